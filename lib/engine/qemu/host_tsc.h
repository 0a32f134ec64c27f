#ifndef KRUNSH_HOST_TSC_H
#define KRUNSH_HOST_TSC_H
/* Host TSC frequency in kHz, measured over 10 ms; 0 if it could not be. */
unsigned long host_tsc_khz(void);
#endif

/*
 * Chaining a fault signal to the action installed before ours
 * (sigchain.h).
 */
#define _GNU_SOURCE /* siginfo_t with -std=c11 */

#include "util/sigchain.h"

#include <string.h>

void gb_sig_chain(const struct sigaction *prev, int sig, siginfo_t *si,
                  void *uctx)
{
    if (prev->sa_flags & SA_SIGINFO) {
        if (prev->sa_sigaction) {
            prev->sa_sigaction(sig, si, uctx);
            return;
        }
    } else if (prev->sa_handler != SIG_DFL && prev->sa_handler != SIG_IGN) {
        prev->sa_handler(sig);
        return;
    }
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, NULL);
    if (si->si_code <= 0)
        raise(sig);
}

int gb_sig_install(int sig, void (*fn)(int, siginfo_t *, void *),
                   struct sigaction *prev)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = fn;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    return sigaction(sig, &sa, prev);
}

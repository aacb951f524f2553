/*
 * The baseline of the jitter measurement: the MVM of configs/hostile.c doing nothing but
 * wait, asleep, for the neighbour (VM 1) to finish, so that the neighbour's figures are
 * those of the same machine without the hostile VM (compare with the hostile case).
 */
#include "jitter.h"

#define NEIGHBOUR_MS 120000

int main(unsigned long hartid, unsigned long dtb)
{
    (void)hartid;
    (void)dtb;
    check_neighbour_done(NEIGHBOUR_MS);
    return 0;
}

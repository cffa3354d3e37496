/* switch.h - an Ethernet switch: a learning bridge.
 *
 * Ports are NICs owned by the switch ("sw1/port1"). A frame is learned on its
 * ingress port (source MAC -> port, with a last-seen time), then forwarded to
 * the port its destination was learned on, or flooded to every other port
 * with carrier when the destination is unknown, aged out, broadcast or
 * multicast. A frame whose destination sits behind its own ingress port is
 * filtered. Entries age out after `aging` (default 300 s) and are flushed
 * when their port loses carrier, as real switches do. A source MAC seen on a
 * port other than the one it was learned on is a MAC move (a flap): counted
 * on the port it moved to, and commented in the capture. Forwarding is
 * store-and-forward with no extra latency (the frame is forwarded when its
 * last bit has arrived). Port-channels (static and LACP) come with 802.3ad.
 *
 * The forwarding table is an open-addressing hash table of fixed size keyed
 * by the 48-bit MAC: no allocation and no list search per frame. GHashTable
 * would allocate per insertion and hash through a function pointer.
 */
#ifndef BONDSIM_SWITCH_H
#define BONDSIM_SWITCH_H

#include <stdbool.h>
#include <stdint.h>

#include "nic.h"

typedef struct Sim Sim;

#define SWITCH_MAX_PORTS 256
#define SWITCH_FDB_SIZE 8192 /* slots; at most half are filled */
#define SWITCH_DEFAULT_AGING_PS (300ull * 1000000000000ull)

typedef struct {
    uint64_t key; /* MAC + 1 (0 = empty slot) */
    int16_t port; /* -1 = flushed */
    uint64_t seen_ps;
} FdbEntry;

typedef struct {
    uint64_t flooded;      /* frames flooded out of this port */
    uint64_t forwarded;    /* frames sent out of this port as known unicast */
    uint64_t mac_moves_in; /* MACs that moved to this port */
    uint64_t filtered;     /* frames dropped: destination behind the ingress port */
} SwitchPortCounters;

typedef struct Switch {
    char *name;
    Nic *ports[SWITCH_MAX_PORTS]; /* owned; port i is named port<i+1> */
    SwitchPortCounters pc[SWITCH_MAX_PORTS];
    int n_ports;
    uint64_t aging_ps;
    FdbEntry fdb[SWITCH_FDB_SIZE];
    int fdb_used;
    uint64_t fdb_full;     /* sources not learned: table full */
    uint64_t mac_moves;    /* total flaps */
    uint64_t flood_frames; /* frames that had to be flooded */
} Switch;

/* A switch with `n_ports` ports of `speed_bps`. Caller owns it. */
Switch *switch_new(Sim *sim, const char *name, int n_ports, uint64_t speed_bps, uint64_t aging_ps);
void switch_free(Switch *sw);
/* Port by 1-based number, or NULL. */
Nic *switch_port(Switch *sw, int number);

/* For tests: the port (0-based) a MAC is learned on now, or -1. */
int switch_fdb_lookup(const Switch *sw, const uint8_t mac[6], uint64_t now_ps);

#endif

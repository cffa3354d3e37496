/* replay.h - replays a capture file (pcap or pcapng, read by libpcap).
 *
 * The frames are read when the scenario loads into a bounded in-memory list
 * (REPLAY_MAX_FRAMES frames, REPLAY_MAX_BYTES bytes: a larger capture is
 * refused), so the run never reads files; one timer per replay sends them at
 * their capture times (relative to the first frame) divided by `speed`,
 * starting at start_ps, `loop` times (each round starts one mean inter-frame
 * gap after the last frame of the previous one).
 *
 * Rewrite mode (like tcprewrite): only Ethernet II IPv4 frames whose source
 * is the first IPv4 source of the capture are replayed; their source becomes
 * the address of the host's interface towards `dst_ip`, their destination
 * `dst_ip`, and they are sent through host_send_ip (route, ARP, MACs of the
 * stack). The IPv4 checksum is recomputed, a UDP checksum set to 0 (allowed
 * over IPv4), a TCP checksum recomputed. Every other frame (other sources,
 * not IPv4, truncated by the snap length) is skipped and counted.
 *
 * Raw mode: every frame goes unchanged to iface_xmit of the named interface
 * (a bond: bond_xmit, whose mode and hash pick the slave). Frames longer than
 * a simulator frame (REPLAY_MAX_FRAME bytes) are skipped and counted.
 */
#ifndef BONDSIM_TRAFFIC_REPLAY_H
#define BONDSIM_TRAFFIC_REPLAY_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "host.h"

typedef struct Sim Sim;

#define REPLAY_MAX_FRAMES 1000000u
#define REPLAY_MAX_BYTES (256u * 1024u * 1024u)
#define REPLAY_MAX_FRAME 1536u

#define REPLAY_ERROR (replay_error_quark())
GQuark replay_error_quark(void);
typedef enum { REPLAY_ERROR_OPEN, REPLAY_ERROR_READ, REPLAY_ERROR_LIMIT } ReplayError;

typedef enum { REPLAY_REWRITE = 0, REPLAY_RAW } ReplayMode;

typedef struct {
    uint64_t t_ps; /* since the first frame of the capture (unscaled) */
    uint32_t off, len;
} ReplayPkt;

typedef struct Replay {
    char *name;
    char *path; /* as opened */
    ReplayMode mode;
    Host *src;
    Iface *iface; /* raw mode */
    uint8_t src_ip[4], dst_ip[4];
    double speed;
    uint64_t loops, start_ps;
    GArray *pkts;     /* ReplayPkt */
    GByteArray *data; /* frame bytes (rewrite: from the IPv4 header on) */
    uint64_t span_ps; /* last frame's t_ps */
    /* load counters */
    uint64_t read, skipped;
    /* run state and counters */
    Timer timer;
    HostPathCache pc;
    uint32_t next;
    uint64_t round, round_base_ps;
    uint64_t sent, sent_bytes, alloc_fail;
    uint64_t first_tx_ps, last_tx_ps;
} Replay;

/* Reads `path` in `mode`. Errors name the file. */
Replay *replay_load(const char *name, const char *path, ReplayMode mode, GError **error);
void replay_free(Replay *r);
/* Arms the first send (call once the source/interface and addresses are set). */
void replay_start(Sim *sim, Replay *r);

#endif

/* replay.h - replays a capture file (pcap or pcapng, read by libpcap).
 *
 * The frames are read when the scenario loads into a bounded in-memory list
 * (REPLAY_MAX_FRAMES frames, REPLAY_MAX_BYTES bytes: a larger capture is
 * refused), so the run never reads files; one timer per replay sends them at
 * their capture times (relative to the first frame) divided by `speed`,
 * starting at start_ps, `loop` times (each round starts one mean inter-frame
 * gap after the last frame of the previous one).
 *
 * Rewrite mode (like tcprewrite): the family is the one of the capture's first
 * IP frame (Ethernet II, IPv4 or IPv6); only the frames of that family whose
 * source is that first source are replayed. replay_start() rewrites them once,
 * before the run: source = `src_ip` (IPv4: the address of the host's
 * interface towards `dst_ip`; IPv6: the address the stack selects on that
 * interface), destination = `dst_ip`. IPv4: header checksum recomputed (by
 * host_send_ip), UDP checksum set to 0 (allowed over IPv4), TCP checksum
 * recomputed. IPv6 (RFC 8200 8.1: the checksum is mandatory): UDP, TCP and
 * ICMPv6 checksums recomputed over the new pseudo-header (a UDP result of 0
 * sent as 0xffff), found behind hop-by-hop, destination-options and fragment
 * headers; a first fragment's checksum is updated for the new addresses
 * (RFC 1624), a later fragment holds no L4 header. Frames are then sent
 * through host_send_ip / ipv6_send (route, ARP or neighbour discovery, MACs
 * of the stack). Every other frame (other family or source, not IP, a
 * routing header, truncated by the snap length) is skipped and counted.
 *
 * Raw mode: every frame goes unchanged to iface_xmit of the named interface
 * (a bond: bond_xmit, whose mode and hash pick the slave). Frames longer than
 * a simulator frame (REPLAY_MAX_FRAME bytes) are skipped and counted.
 *
 * pcapng (libpcap 1.10): several Interface Description Blocks are read as one
 * stream in file order, each interface's timestamp resolution and offset
 * applied; they must share the link type (Ethernet) and snap length, or
 * libpcap stops at the first that differs (an error here). Frames whose time
 * is before their predecessor's are sent at once (file order is kept).
 * A file cut exactly at a block (or record) boundary reads as a shorter
 * capture: no reader can tell.
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
typedef enum {
    REPLAY_ERROR_OPEN,
    REPLAY_ERROR_READ,
    REPLAY_ERROR_LIMIT,
    REPLAY_ERROR_FAMILY
} ReplayError;

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
    Iface *iface;                   /* raw mode */
    int family;                     /* rewrite mode: 4 or 6 (the first IP frame's) */
    uint8_t cap_src[16];            /* rewrite mode: that frame's source (IPv4: 4 bytes) */
    uint8_t src_ip[16], dst_ip[16]; /* set by the loader; IPv4 in the first 4 bytes */
    double speed;
    uint64_t loops, start_ps;
    GArray *pkts;     /* ReplayPkt */
    GByteArray *data; /* frame bytes (rewrite: from the IP header on) */
    bool rewritten;   /* rewrite mode: addresses and checksums done (replay_start) */
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
/* Rewrite mode: true when `to_family` (4 or 6, the family of the to= text
 * `to`) is the capture's; else false with an error naming the file, the
 * capture's first source and both families. */
bool replay_check_family(const Replay *r, int to_family, const char *to, GError **error);
/* Rewrite mode: writes src_ip/dst_ip and the checksums into every stored
 * packet (once), then arms the first send. Call once the source, interface
 * and addresses are set. */
void replay_start(Sim *sim, Replay *r);

#endif

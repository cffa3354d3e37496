/* hash_spread.h - the engine behind `bondsim hash-spread CAPTURE --slaves N
 * [--policy P|all] [--per-frame] [--vlan-inband]`: which slave each flow of
 * a real capture would leave on, per xmit_hash_policy, and how evenly the
 * bytes spread. It answers "why does all my traffic use one link?".
 *
 * Called by main.c only. Reads the capture through libpcap, hashes every
 * frame with bond_xmit_hash() (hash.h) and writes a text report; owns
 * nothing after it returns. Cold code: GLib containers, formatting.
 */
#ifndef BONDSIM_BOND_HASH_SPREAD_H
#define BONDSIM_BOND_HASH_SPREAD_H

#include <glib.h>
#include <stdbool.h>

#define HASH_SPREAD_MAX_SLAVES 64

#define HASH_SPREAD_ERROR (hash_spread_error_quark())
GQuark hash_spread_error_quark(void);

typedef enum {
    HASH_SPREAD_ERROR_ARGS,     /* slaves or policy out of range */
    HASH_SPREAD_ERROR_OPEN,     /* missing, unreadable or not a capture */
    HASH_SPREAD_ERROR_LINKTYPE, /* not Ethernet (DLT_EN10MB) */
    HASH_SPREAD_ERROR_READ,     /* truncated or corrupt after the header */
} HashSpreadError;

/* Reads `capture_path` (pcap or pcapng, Ethernet link type only) and appends
 * the report to `out`:
 *
 *   - a header line: file, frames, bytes, flows, slave count, VLAN mode;
 *   - per policy (`policy` a BondHashPolicy, or -1 for all six, in the order
 *     layer2, layer2+3, layer3+4, encap2+3, encap3+4, vlan+srcmac):
 *     with `per_frame`, one line "frame N policy P slave I" per frame
 *     (N from 1); a table of flows in order of first appearance (flow,
 *     frames, bytes, hash of its first frame, slave or slaves used); a
 *     table per slave (frames, bytes, share of bytes); and "imbalance X",
 *     the busiest slave's share over the ideal share 1/N (1.00 = even,
 *     N = everything on one slave);
 *   - with every policy, a closing table of the imbalances.
 *
 * A flow is the IP 5-tuple (addresses, protocol, ports; ICMP type/code/id;
 * ESP/AH SPI; fragments of a pair as one flow, since the hash cannot see
 * their ports; one level of IP-in-IP/GRE shown inside brackets) or, for
 * other frames, the MACs and EtherType; an in-frame VLAN ID is part of it.
 * Bytes are wire lengths from the capture records.
 *
 * VLAN: by default the outer tag of a tagged frame is taken as added by a
 * VLAN device on the bond, which the kernel carries out of band: it is
 * stripped and its TCI passed as metadata (vlan+srcmac uses it, the other
 * policies hash the inner frame). With `vlan_inband` the bytes are hashed
 * as captured: the tag is part of the frame, so every policy but
 * vlan+srcmac falls back to the L2 hash with the TPID as EtherType, and
 * vlan+srcmac sees TCI 0.
 *
 * `slaves` from 1 to HASH_SPREAD_MAX_SLAVES. Errors name the file: a
 * missing file, another link type, a truncated or corrupt capture; `out`
 * is then left as it was. */
gboolean hash_spread_run(const char *capture_path, int slaves, int policy, bool per_frame,
                         bool vlan_inband, GString *out, GError **error);

#endif

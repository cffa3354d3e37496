/* hash.h - xmit_hash_policy: the slave a frame leaves on in balance-xor,
 * 802.3ad, and balance-tlb/alb with tlb_dynamic_lb=0 (usable[hash % count]).
 *
 * Called per frame by the hashing modes and by the hash-spread command
 * (hash_spread.c). Pure functions of the frame bytes: no state, no
 * allocation, every read bounds-checked through util/bytes.h. Results are
 * those of a little-endian host (x86-64, arm64), as the kernel mixes
 * network-order bytes read as native u32 words.
 * Reference: ../shared/reference/linux-bonding.md section 3.
 */
#ifndef BONDSIM_BOND_HASH_H
#define BONDSIM_BOND_HASH_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "bond/options.h"

#define BOND_HASH_POLICY_COUNT 6

/* The kernel's bond_xmit_hash() for `policy` on one frame.
 *
 * `frame` starts at the Ethernet header; `len` bytes are readable (the
 * captured length: whatever the kernel could pull from the skb).
 * `vlan_oob` says the frame carries a VLAN tag out of band (skb metadata, as
 * a VLAN device on the bond leaves it): `frame` is then the untagged frame
 * and `vlan_tci` the full 16-bit tag (PCP, DEI, VID), used by vlan+srcmac
 * only. A tag inside the frame bytes (`vlan_oob` false, EtherType
 * 0x8100/0x88A8 at offset 12) is hashed the way the kernel treats a frame
 * from a packet socket: L2 with the TPID as EtherType for every policy but
 * vlan+srcmac, which sees TCI 0.
 *
 * Frames shorter than 14 bytes hash to 0 (the kernel's L2 helpers return 0
 * when the Ethernet header cannot be pulled). */
uint32_t bond_xmit_hash(BondHashPolicy policy, const uint8_t *frame, uint32_t len, bool vlan_oob,
                        uint16_t vlan_tci);

/* usable[hash % count]: the index into the usable-slave array, or -1 when
 * `count` is not positive (no usable slave: the kernel drops the frame). */
int bond_hash_slave_index(uint32_t hash, int count);

/* Parses a policy by its kernel name ("layer2", "layer3+4", "layer2+3",
 * "encap2+3", "encap3+4", "vlan+srcmac") or number ("0".."5"). Returns
 * FALSE and leaves `*out` alone when `s` is neither. Names are printed by
 * bond_hash_policy_name() (options.h). */
gboolean bond_hash_policy_parse(const char *s, BondHashPolicy *out);

#endif

/* options.h - bonding options as the kernel names them (BONDING_OPTS,
 * sysfs, `ip link ... type bond`), parsed into BondParams.
 *
 * One table in options.c (name, values by name and number, range, default,
 * modes where valid, whether bondsim models it) drives parsing, range errors,
 * `bondsim options` help and the canonical string written into captures.
 * Called by the scenario loader; the bond reads the resulting BondParams.
 * Reference: ../shared/reference/linux-bonding.md section 11.
 */
#ifndef BONDSIM_BOND_OPTIONS_H
#define BONDSIM_BOND_OPTIONS_H

#include <glib.h>
#include <stdint.h>

#define BOND_MAX_ARP_TARGETS 16
#define BOND_IFNAMSIZ 16

typedef enum {
    BOND_MODE_RR = 0,
    BOND_MODE_AB = 1,
    BOND_MODE_XOR = 2,
    BOND_MODE_BROADCAST = 3,
    BOND_MODE_8023AD = 4,
    BOND_MODE_TLB = 5,
    BOND_MODE_ALB = 6,
    BOND_MODE_COUNT = 7,
} BondMode;

typedef enum {
    BOND_HASH_LAYER2 = 0,
    BOND_HASH_LAYER34 = 1,
    BOND_HASH_LAYER23 = 2,
    BOND_HASH_ENCAP23 = 3,
    BOND_HASH_ENCAP34 = 4,
    BOND_HASH_VLAN_SRCMAC = 5,
} BondHashPolicy;

typedef enum {
    BOND_RESELECT_ALWAYS = 0,
    BOND_RESELECT_BETTER = 1,
    BOND_RESELECT_FAILURE = 2
} BondReselect;
typedef enum { BOND_FOM_NONE = 0, BOND_FOM_ACTIVE = 1, BOND_FOM_FOLLOW = 2 } BondFailOverMac;

/* Every option of section 11 of the reference. Times are in ms as the kernel
 * takes them; updelay/downdelay/peer_notif_delay hold the value after the
 * kernel's rounding to a multiple of miimon (see bond_params_finish()). */
typedef struct {
    BondMode mode;
    uint32_t miimon_ms;
    uint32_t updelay_ms;
    uint32_t downdelay_ms;
    uint32_t peer_notif_delay_ms;
    int use_carrier;
    uint32_t arp_interval_ms;
    int n_arp_targets;
    uint8_t arp_targets[BOND_MAX_ARP_TARGETS][4]; /* network byte order */
    int n_ns_targets;
    uint8_t ns_targets[BOND_MAX_ARP_TARGETS][16];
    int arp_validate;            /* 0..6 */
    int arp_all_targets;         /* 0 any, 1 all */
    int arp_missed_max;          /* 1..255 */
    char primary[BOND_IFNAMSIZ]; /* "" = unset */
    BondReselect primary_reselect;
    char active_slave[BOND_IFNAMSIZ]; /* "" = unset */
    BondFailOverMac fail_over_mac;
    int num_peer_notif; /* num_grat_arp == num_unsol_na, 0..255 */
    int all_slaves_active;
    int resend_igmp;
    int packets_per_slave; /* 0..65535 */
    BondHashPolicy xmit_hash_policy;
    int lacp_rate;   /* 0 slow, 1 fast */
    int lacp_active; /* 0 off, 1 on */
    int ad_select;   /* 0 stable, 1 bandwidth, 2 count */
    int ad_actor_sys_prio;
    uint8_t ad_actor_system[6];
    int ad_user_port_key;
    uint32_t min_links;
    int coupled_control;
    int tlb_dynamic_lb;
    uint32_t lp_interval_s;
    int broadcast_neighbor;
    int lacp_strict;   /* 0 off (defaulted fallback keeps carrier), 1 on */
    uint64_t set_mask; /* bit i set: option i of the table was given explicitly */
} BondParams;

#define BOND_OPTIONS_ERROR (bond_options_error_quark())
GQuark bond_options_error_quark(void);

typedef enum {
    BOND_OPTIONS_ERROR_UNKNOWN,     /* no such option */
    BOND_OPTIONS_ERROR_VALUE,       /* bad value or out of range (EINVAL) */
    BOND_OPTIONS_ERROR_MODE,        /* option not valid in this mode (EACCES) */
    BOND_OPTIONS_ERROR_DEPENDS,     /* needs another option (e.g. updelay needs miimon) */
    BOND_OPTIONS_ERROR_UNSUPPORTED, /* a real option bondsim does not model yet */
} BondOptionsError;

/* Fills the kernel defaults (mode balance-rr, miimon 0, ...). */
void bond_params_defaults(BondParams *p);

/* Parses a BONDING_OPTS string ("mode=active-backup miimon=100"), an `ip link`
 * style list ("mode active-backup miimon 100"), or a mix; pairs separated by
 * white space or commas (a comma list stays one value for arp_ip_target and
 * ns_ip6_target). Modes and named values by name or number. netplan,
 * systemd-networkd and ifupdown spellings are accepted as aliases and times
 * may carry a unit (100ms, 0.1s). Applies the options over `p`, then
 * bond_params_finish(). Messages read "option 'miimon': ..." and give the
 * kernel's accepted range or values. `warnings` (may be NULL) receives
 * newly-allocated strings for adjustments the kernel makes with a warning
 * (e.g. updelay rounded down to a multiple of miimon). */
gboolean bond_params_parse(BondParams *p, const char *text, GPtrArray *warnings, GError **error);

/* Cross-option rules applied after parsing, as the kernel does: modes 4/5/6
 * with miimon 0 get miimon 100; ARP monitor refused in modes 4/5/6; updelay,
 * downdelay and peer_notif_delay need miimon and are rounded down to
 * multiples of it; options not valid in the mode refused (EACCES). */
gboolean bond_params_finish(BondParams *p, GPtrArray *warnings, GError **error);

/* Refuses, by name, any explicitly-set option or mode that this build of
 * bondsim does not model (never silently ignored). */
gboolean bond_params_check_modelled(const BondParams *p, GError **error);

/* Whether this build simulates `mode` (bond_params_check_modelled() refuses
 * the others). */
gboolean bond_mode_is_modelled(BondMode mode);

/* Moves `p` to `mode`, as `bondsim compare` runs one scenario under every
 * mode: each explicitly-set option the kernel refuses in `mode` (EACCES)
 * returns to its default and loses its set bit, and its kernel name (a
 * static string, not to be freed) is appended to `dropped` (may be NULL).
 * Returns how many were dropped. Call bond_params_finish() afterwards for
 * the cross-option rules of the new mode (miimon 100 in modes 4/5/6...). */
guint bond_params_force_mode(BondParams *p, BondMode mode, GPtrArray *dropped);

const char *bond_mode_name(BondMode mode);
gboolean bond_mode_from_string(const char *s, BondMode *mode);
const char *bond_hash_policy_name(BondHashPolicy policy);

/* The canonical BONDING_OPTS text: mode first, then every option that differs
 * from its default, in table order. Caller frees. */
char *bond_params_to_string(const BondParams *p);

/* Multi-line help listing every option, its values, range, default and
 * whether it is modelled. Caller frees. */
char *bond_options_help(void);

#endif

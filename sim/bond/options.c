/* options.c - the bonding options table and everything it drives.
 *
 * Design: one static const table, bond_opts[], in the manner of the kernel's
 * bond_options.c. A row is one option of reference section 11: its kernel name,
 * the other spellings it answers to (netplan, systemd-networkd [Bond] keys,
 * ifupdown), its value kind (whole number in a range, named values with their
 * numbers, MAC, IPv4 list, IPv6 list, slave name), default, min/max, the modes
 * in which the kernel accepts it (else EACCES), where it lives in BondParams
 * and whether this build of bondsim models it. The row index is the option's
 * bit in BondParams.set_mask. Parsing, range messages, the cross-option rules
 * of bond_params_finish(), bond_params_check_modelled(),
 * bond_params_to_string() and bond_options_help() all read the table, so an
 * option is added (or declared modelled) in one place.
 *
 * `modes` follows reference section 11, which names a mode restriction only
 * where the kernel's table has one (unsuppmodes): arp_ip_target,
 * ns_ip6_target, arp_all_targets, ad_select and primary_reselect have none,
 * so they are accepted in every mode (used only where they mean something).
 * active_slave is not modelled: bond.c never reads it, so a slave name given
 * there is refused by name rather than silently ignored.
 *
 * Rows after OPT_REAL_COUNT are real bonding settings that do not belong in a
 * bond's option string (per-slave prio/queue_id, the slave list, module
 * parameters): they exist so the parser can say where they go instead.
 *
 * Spelling rules (decided here where the reference is silent):
 * - names and aliases match case-sensitively, as each tool spells them; a
 *   near miss (edit distance <= 2, any case) is suggested in the error;
 * - ifupdown: a "bond-" or "bond_" prefix is stripped and '-' becomes '_'
 *   (bond-xmit-hash-policy, bond_lacp_rate);
 * - times: a bare number is in the kernel's unit (ms; lp_interval s), except
 *   for the systemd-networkd keys ending in "Sec", where a bare number is in
 *   seconds as in every systemd time span (systemd.time(7)); a unit may be
 *   given (ns, us, ms, s, min); a result that is not a whole ms (s) is refused;
 * - 0/1 options also take yes/no, true/false, on/off (netplan and networkd
 *   write booleans); they are written back as numbers;
 * - arp_ip_target/ns_ip6_target: a comma list replaces the list, "+a" adds and
 *   "-a" removes (sysfs style), "" empties it, and bare addresses after the
 *   option (networkd's space-separated ARPIPTargets) are added.
 * Nothing here is global or mutable: the table and the parsers are pure.
 */
#include "bond/options.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

G_DEFINE_QUARK(bond - options - error - quark, bond_options_error)

/* Enum-typed fields are read and written as int through memcpy. */
G_STATIC_ASSERT(sizeof(BondMode) == sizeof(int));
G_STATIC_ASSERT(sizeof(BondHashPolicy) == sizeof(int));
G_STATIC_ASSERT(sizeof(BondReselect) == sizeof(int));
G_STATIC_ASSERT(sizeof(BondFailOverMac) == sizeof(int));

/* ------------------------------------------------------------------------ */
/* The table                                                                */
/* ------------------------------------------------------------------------ */

typedef enum {
    OPT_KIND_INT,       /* whole number in [min, max], in `unit` */
    OPT_KIND_ENUM,      /* one of `values`, by name or by number */
    OPT_KIND_MAC,       /* unicast MAC, zero = unset */
    OPT_KIND_IPV4_LIST, /* up to BOND_MAX_ARP_TARGETS IPv4 addresses */
    OPT_KIND_IPV6_LIST, /* up to BOND_MAX_ARP_TARGETS IPv6 addresses */
    OPT_KIND_IFNAME,    /* a slave name, "" = unset */
    OPT_KIND_ELSEWHERE, /* real, but not a bond option: `doc` says where it goes */
} OptKind;

typedef enum { OPT_UNIT_NONE, OPT_UNIT_MS, OPT_UNIT_S } OptUnit;
typedef enum { OPT_FIELD_INT, OPT_FIELD_U32 } OptField;

typedef struct {
    const char *name;
    int value;
} OptValue;

typedef struct {
    const char *name;           /* kernel spelling (BONDING_OPTS, sysfs, ip link) */
    const char *const *aliases; /* NULL-terminated other spellings, or NULL */
    OptKind kind;
    OptUnit unit;           /* OPT_KIND_INT: unit of the stored value */
    OptField field;         /* storage type at `offset` (INT and ENUM kinds) */
    size_t offset;          /* into BondParams (INT, ENUM, MAC, IFNAME kinds) */
    int64_t min, max;       /* OPT_KIND_INT range */
    int64_t def;            /* default (INT and ENUM kinds) */
    const OptValue *values; /* OPT_KIND_ENUM: NULL-terminated */
    unsigned modes;         /* bit (1 << BondMode) set where the kernel accepts it */
    gboolean modelled;      /* simulated by this build (else refused when set) */
    gboolean bool_words;    /* also yes/no, true/false, on/off */
    const char *doc;        /* one line for help; OPT_KIND_ELSEWHERE: the error text */
} BondOpt;

enum {
    OPT_MODE,
    OPT_MIIMON,
    OPT_UPDELAY,
    OPT_DOWNDELAY,
    OPT_PEER_NOTIF_DELAY,
    OPT_USE_CARRIER,
    OPT_ARP_INTERVAL,
    OPT_ARP_IP_TARGET,
    OPT_NS_IP6_TARGET,
    OPT_ARP_VALIDATE,
    OPT_ARP_ALL_TARGETS,
    OPT_ARP_MISSED_MAX,
    OPT_PRIMARY,
    OPT_PRIMARY_RESELECT,
    OPT_ACTIVE_SLAVE,
    OPT_FAIL_OVER_MAC,
    OPT_NUM_GRAT_ARP,
    OPT_ALL_SLAVES_ACTIVE,
    OPT_RESEND_IGMP,
    OPT_PACKETS_PER_SLAVE,
    OPT_XMIT_HASH_POLICY,
    OPT_LACP_RATE,
    OPT_LACP_ACTIVE,
    OPT_AD_SELECT,
    OPT_AD_ACTOR_SYS_PRIO,
    OPT_AD_ACTOR_SYSTEM,
    OPT_AD_USER_PORT_KEY,
    OPT_MIN_LINKS,
    OPT_COUPLED_CONTROL,
    OPT_TLB_DYNAMIC_LB,
    OPT_LP_INTERVAL,
    OPT_BROADCAST_NEIGHBOR,
    OPT_LACP_STRICT,
    OPT_REAL_COUNT, /* options stored in BondParams end here */
    OPT_PRIO = OPT_REAL_COUNT,
    OPT_QUEUE_ID,
    OPT_SLAVES,
    OPT_MAX_BONDS,
    OPT_TX_QUEUES,
    OPT_COUNT,
};
G_STATIC_ASSERT(OPT_COUNT <= 64); /* set_mask is 64 bits */

#define MODE_BIT(m) (1u << (m))
#define MODES_ALL ((1u << BOND_MODE_COUNT) - 1u)
#define MODES_RR MODE_BIT(BOND_MODE_RR)
#define MODES_AB MODE_BIT(BOND_MODE_AB)
#define MODES_AD MODE_BIT(BOND_MODE_8023AD)
#define MODES_TLB_ALB (MODE_BIT(BOND_MODE_TLB) | MODE_BIT(BOND_MODE_ALB))
#define MODES_PRIMARY (MODES_AB | MODES_TLB_ALB)
#define MODES_HASH (MODE_BIT(BOND_MODE_XOR) | MODES_AD | MODES_TLB_ALB)
#define MODES_ARP (MODES_RR | MODES_AB | MODE_BIT(BOND_MODE_XOR) | MODE_BIT(BOND_MODE_BROADCAST))

/* Storage of a field: its offset and whether it is a uint32_t or an int. */
#define FIELD(f)                                                                                   \
    .offset = offsetof(BondParams, f), .field = _Generic(((BondParams *)0)->f, uint32_t            \
                                                         : OPT_FIELD_U32, default                  \
                                                         : OPT_FIELD_INT)
#define ALIASES(...)                                                                               \
    .aliases = (const char *const[])                                                               \
    {                                                                                              \
        __VA_ARGS__, NULL                                                                          \
    }
#define VALUES(...)                                                                                \
    .values = (const OptValue[])                                                                   \
    {                                                                                              \
        __VA_ARGS__,                                                                               \
        {                                                                                          \
            NULL, 0                                                                                \
        }                                                                                          \
    }

/* Modes this build simulates; enabling one is a one-line change here. */
static const gboolean bond_mode_modelled[BOND_MODE_COUNT] = {
    [BOND_MODE_RR] = TRUE,        [BOND_MODE_AB] = TRUE,     [BOND_MODE_XOR] = TRUE,
    [BOND_MODE_BROADCAST] = TRUE, [BOND_MODE_8023AD] = TRUE, [BOND_MODE_TLB] = TRUE,
    [BOND_MODE_ALB] = TRUE,
};

static const OptValue opt_mode_values[] = {
    {"balance-rr", BOND_MODE_RR},   {"active-backup", BOND_MODE_AB},
    {"balance-xor", BOND_MODE_XOR}, {"broadcast", BOND_MODE_BROADCAST},
    {"802.3ad", BOND_MODE_8023AD},  {"balance-tlb", BOND_MODE_TLB},
    {"balance-alb", BOND_MODE_ALB}, {NULL, 0},
};

static const OptValue opt_hash_values[] = {
    {"layer2", BOND_HASH_LAYER2},
    {"layer3+4", BOND_HASH_LAYER34},
    {"layer2+3", BOND_HASH_LAYER23},
    {"encap2+3", BOND_HASH_ENCAP23},
    {"encap3+4", BOND_HASH_ENCAP34},
    {"vlan+srcmac", BOND_HASH_VLAN_SRCMAC},
    {NULL, 0},
};

static const BondOpt bond_opts[OPT_COUNT] = {
    [OPT_MODE] = {"mode", ALIASES("Mode"), OPT_KIND_ENUM, FIELD(mode), .def = BOND_MODE_RR,
                  .values = opt_mode_values, .modes = MODES_ALL, .modelled = TRUE,
                  .doc = "bonding policy (bond down, no slaves)"},
    [OPT_MIIMON] = {"miimon", ALIASES("mii-monitor-interval", "MIIMonitorSec"), OPT_KIND_INT,
                    OPT_UNIT_MS, FIELD(miimon_ms), .max = INT_MAX, .modes = MODES_ALL,
                    .modelled = TRUE,
                    .doc = "MII link monitor period, 0 = off; clears arp_interval"},
    [OPT_UPDELAY] = {"updelay", ALIASES("up-delay", "UpDelaySec"), OPT_KIND_INT, OPT_UNIT_MS,
                     FIELD(updelay_ms), .max = INT_MAX, .modes = MODES_ALL, .modelled = TRUE,
                     .doc = "wait before using a returning link; needs miimon, multiple of it"},
    [OPT_DOWNDELAY] = {"downdelay", ALIASES("down-delay", "DownDelaySec"), OPT_KIND_INT,
                       OPT_UNIT_MS, FIELD(downdelay_ms), .max = INT_MAX, .modes = MODES_ALL,
                       .modelled = TRUE,
                       .doc = "wait before dropping a failed link; needs miimon, multiple of it"},
    [OPT_PEER_NOTIF_DELAY] = {"peer_notif_delay", ALIASES("PeerNotifyDelaySec"), OPT_KIND_INT,
                              OPT_UNIT_MS, FIELD(peer_notif_delay_ms), .max = 300000,
                              .modes = MODES_ALL, .modelled = TRUE,
                              .doc = "gap between peer notifications (0 = one tick); needs miimon"},
    [OPT_USE_CARRIER] = {"use_carrier", NULL, OPT_KIND_INT, FIELD(use_carrier), .max = 1, .def = 1,
                         .modes = MODES_ALL, .modelled = TRUE, .bool_words = TRUE,
                         .doc = "ignored since Linux 6.18 (carrier always used); so in bondsim"},
    [OPT_ARP_INTERVAL] = {"arp_interval", ALIASES("arp-interval", "ARPIntervalSec"), OPT_KIND_INT,
                          OPT_UNIT_MS, FIELD(arp_interval_ms), .max = INT_MAX, .modes = MODES_ARP,
                          .modelled = TRUE,
                          .doc = "ARP/NS monitor period, 0 = off; needs targets; clears miimon"},
    [OPT_ARP_IP_TARGET] = {"arp_ip_target", ALIASES("arp-ip-targets", "ARPIPTargets"),
                           OPT_KIND_IPV4_LIST, .modes = MODES_ALL, .modelled = TRUE,
                           .doc = "IPv4 addresses the ARP monitor probes (comma list, +a, -a)"},
    [OPT_NS_IP6_TARGET] = {"ns_ip6_target", NULL, OPT_KIND_IPV6_LIST, .modes = MODES_ALL,
                           .modelled = TRUE,
                           .doc = "IPv6 addresses the NS monitor probes (comma list, +a, -a)"},
    [OPT_ARP_VALIDATE] = {"arp_validate", ALIASES("arp-validate", "ARPValidate"), OPT_KIND_ENUM,
                          FIELD(arp_validate),
                          VALUES({"none", 0}, {"active", 1}, {"backup", 2}, {"all", 3},
                                 {"filter", 4}, {"filter_active", 5}, {"filter_backup", 6}),
                          .modes = MODES_ARP, .modelled = TRUE,
                          .doc = "which received frames count as answers"},
    [OPT_ARP_ALL_TARGETS] = {"arp_all_targets", ALIASES("arp-all-targets", "ARPAllTargets"),
                             OPT_KIND_ENUM, FIELD(arp_all_targets), VALUES({"any", 0}, {"all", 1}),
                             .modes = MODES_ALL, .modelled = TRUE,
                             .doc = "any or every target must answer"},
    [OPT_ARP_MISSED_MAX] = {"arp_missed_max", ALIASES("ARPMissedMax"), OPT_KIND_INT,
                            FIELD(arp_missed_max), .min = 1, .max = 255, .def = 2,
                            .modes = MODES_ARP, .modelled = TRUE,
                            .doc = "ARP intervals without answer before DOWN"},
    [OPT_PRIMARY] = {"primary", NULL, OPT_KIND_IFNAME, FIELD(primary), .modes = MODES_PRIMARY,
                     .modelled = TRUE, .doc = "preferred slave, active whenever it is up"},
    [OPT_PRIMARY_RESELECT] = {"primary_reselect",
                              ALIASES("primary-reselect-policy", "PrimaryReselectPolicy"),
                              OPT_KIND_ENUM, FIELD(primary_reselect),
                              VALUES({"always", BOND_RESELECT_ALWAYS},
                                     {"better", BOND_RESELECT_BETTER},
                                     {"failure", BOND_RESELECT_FAILURE}),
                              .modes = MODES_ALL, .modelled = TRUE,
                              .doc = "when a returning primary takes over again"},
    [OPT_ACTIVE_SLAVE] = {"active_slave", NULL, OPT_KIND_IFNAME, FIELD(active_slave),
                          .modes = MODES_PRIMARY, .modelled = FALSE,
                          .doc = "slave to make active (must be up)"},
    [OPT_FAIL_OVER_MAC] = {"fail_over_mac", ALIASES("fail-over-mac-policy", "FailOverMACPolicy"),
                           OPT_KIND_ENUM, FIELD(fail_over_mac),
                           VALUES({"none", BOND_FOM_NONE}, {"active", BOND_FOM_ACTIVE},
                                  {"follow", BOND_FOM_FOLLOW}),
                           .modes = MODES_AB, .modelled = TRUE,
                           .doc = "MAC handling at failover (no slaves; active-backup only)"},
    [OPT_NUM_GRAT_ARP] =
        {"num_grat_arp", ALIASES("num_unsol_na", "gratuitous-arp", "GratuitousARP"), OPT_KIND_INT,
         FIELD(num_peer_notif), .max = 255, .def = 1, .modes = MODES_ALL, .modelled = TRUE,
         .doc = "peer notifications after failover (= num_unsol_na, shared)"},
    [OPT_ALL_SLAVES_ACTIVE] = {"all_slaves_active", ALIASES("all-slaves-active", "AllSlavesActive"),
                               OPT_KIND_INT, FIELD(all_slaves_active), .max = 1, .modes = MODES_ALL,
                               .modelled = TRUE, .bool_words = TRUE,
                               .doc = "deliver frames received on inactive slaves"},
    [OPT_RESEND_IGMP] = {"resend_igmp", ALIASES("resend-igmp", "ResendIGMP"), OPT_KIND_INT,
                         FIELD(resend_igmp), .max = 255, .def = 1, .modes = MODES_ALL,
                         .modelled = TRUE,
                         .doc = "IGMP report rounds after failover, 200 ms apart"},
    [OPT_PACKETS_PER_SLAVE] = {"packets_per_slave", ALIASES("packets-per-slave", "PacketsPerSlave"),
                               OPT_KIND_INT, FIELD(packets_per_slave), .max = 65535, .def = 1,
                               .modes = MODES_RR, .modelled = TRUE,
                               .doc = "frames per slave before moving on (0 = random slave)"},
    [OPT_XMIT_HASH_POLICY] = {"xmit_hash_policy",
                              ALIASES("transmit-hash-policy", "TransmitHashPolicy"), OPT_KIND_ENUM,
                              FIELD(xmit_hash_policy), .values = opt_hash_values,
                              .modes = MODES_HASH, .modelled = TRUE,
                              .doc = "fields hashed to pick a slave"},
    [OPT_LACP_RATE] = {"lacp_rate", ALIASES("lacp-rate", "LACPTransmitRate"), OPT_KIND_ENUM,
                       FIELD(lacp_rate), VALUES({"slow", 0}, {"fast", 1}), .modes = MODES_AD,
                       .modelled = TRUE, .doc = "LACPDU rate asked of the partner (bond down)"},
    [OPT_LACP_ACTIVE] = {"lacp_active", NULL, OPT_KIND_ENUM, FIELD(lacp_active),
                         VALUES({"off", 0}, {"on", 1}), .def = 1, .modes = MODES_AD,
                         .modelled = TRUE, .bool_words = TRUE,
                         .doc = "send LACPDUs unprompted (off = passive)"},
    [OPT_AD_SELECT] = {"ad_select", ALIASES("ad-select", "AdSelect"), OPT_KIND_ENUM,
                       FIELD(ad_select), VALUES({"stable", 0}, {"bandwidth", 1}, {"count", 2}),
                       .modes = MODES_ALL, .modelled = TRUE,
                       .doc = "aggregator selection (bond down)"},
    [OPT_AD_ACTOR_SYS_PRIO] = {"ad_actor_sys_prio", ALIASES("AdActorSystemPriority"), OPT_KIND_INT,
                               FIELD(ad_actor_sys_prio), .min = 1, .max = 65535, .def = 65535,
                               .modes = MODES_AD, .modelled = TRUE, .doc = "LACP system priority"},
    [OPT_AD_ACTOR_SYSTEM] = {"ad_actor_system", ALIASES("AdActorSystem"), OPT_KIND_MAC,
                             FIELD(ad_actor_system), .modes = MODES_AD, .modelled = TRUE,
                             .doc = "LACP system id (unicast MAC; zero = the bond's MAC)"},
    [OPT_AD_USER_PORT_KEY] = {"ad_user_port_key", ALIASES("AdUserPortKey"), OPT_KIND_INT,
                              FIELD(ad_user_port_key), .max = 1023, .modes = MODES_AD,
                              .modelled = TRUE,
                              .doc = "user bits of the LACP port key (bond down)"},
    [OPT_MIN_LINKS] = {"min_links", ALIASES("min-links", "MinLinks"), OPT_KIND_INT,
                       FIELD(min_links), .max = INT_MAX, .modes = MODES_AD, .modelled = TRUE,
                       .doc = "ports the active aggregator needs for carrier"},
    [OPT_COUPLED_CONTROL] = {"coupled_control", NULL, OPT_KIND_ENUM, FIELD(coupled_control),
                             VALUES({"off", 0}, {"on", 1}), .def = 1, .modes = MODES_AD,
                             .bool_words = TRUE, .doc = "coupled mux machine (bond down)"},
    [OPT_TLB_DYNAMIC_LB] = {"tlb_dynamic_lb", ALIASES("DynamicTransmitLoadBalancing"), OPT_KIND_INT,
                            FIELD(tlb_dynamic_lb), .max = 1, .def = 1, .modes = MODES_TLB_ALB,
                            .modelled = TRUE, .bool_words = TRUE,
                            .doc = "rebalance by load (0 = by hash) (bond down)"},
    [OPT_LP_INTERVAL] = {"lp_interval", ALIASES("learn-packet-interval", "LearnPacketIntervalSec"),
                         OPT_KIND_INT, OPT_UNIT_S, FIELD(lp_interval_s), .min = 1, .max = INT_MAX,
                         .def = 1, .modes = MODES_TLB_ALB, .modelled = TRUE,
                         .doc = "period of the learning packets sent on each slave"},
    [OPT_BROADCAST_NEIGHBOR] = {"broadcast_neighbor", NULL, OPT_KIND_INT, FIELD(broadcast_neighbor),
                                .max = 1, .modes = MODES_AD, .bool_words = TRUE,
                                .doc = "ARP and NS/NA on every usable slave (Linux 6.16+)"},
    [OPT_LACP_STRICT] = {"lacp_strict", NULL, OPT_KIND_ENUM, FIELD(lacp_strict),
                         VALUES({"off", 0}, {"on", 1}), .def = 0, .modes = MODES_AD,
                         .modelled = TRUE, .bool_words = TRUE,
                         .doc = "no LACP partner: off keeps carrier on one defaulted port, "
                                "on takes carrier down (selftest bond_lacp_strict.sh)"},
    [OPT_PRIO] = {"prio", NULL, OPT_KIND_ELSEWHERE,
                  .doc = "is set per slave, not in the bond's options: use the per-slave "
                         "scenario key, e.g. bond0.prio.eth1 = 10"},
    [OPT_QUEUE_ID] = {"queue_id", NULL, OPT_KIND_ELSEWHERE,
                      .doc = "is set per slave, not in the bond's options: use the per-slave "
                             "scenario key, e.g. bond0.queue_id.eth1 = 2"},
    [OPT_SLAVES] = {"slaves", ALIASES("members"), OPT_KIND_ELSEWHERE,
                    .doc = "is not a bonding option: list the slaves with the scenario key, "
                           "e.g. bond0.slaves = eth0 eth1"},
    [OPT_MAX_BONDS] = {"max_bonds", NULL, OPT_KIND_ELSEWHERE,
                       .doc = "is a parameter of the bonding module, not of one bond: bondsim "
                              "creates the bonds the scenario names"},
    [OPT_TX_QUEUES] = {"tx_queues", NULL, OPT_KIND_ELSEWHERE,
                       .doc = "is a parameter of the bonding module, not of one bond: bondsim "
                              "does not model transmit queues"},
};

/* Bit of option index `i` in BondParams.set_mask. */
#define OPT_BIT(i) (UINT64_C(1) << (i))

/* ------------------------------------------------------------------------ */
/* Field access and small helpers                                           */
/* ------------------------------------------------------------------------ */

static int64_t opt_get(const BondParams *p, const BondOpt *o)
{
    const char *base = (const char *)p + o->offset;
    if (o->field == OPT_FIELD_U32) {
        uint32_t v;
        memcpy(&v, base, sizeof v);
        return v;
    }
    int v;
    memcpy(&v, base, sizeof v);
    return v;
}

static void opt_set(BondParams *p, const BondOpt *o, int64_t value)
{
    char *base = (char *)p + o->offset;
    if (o->field == OPT_FIELD_U32) {
        uint32_t v = (uint32_t)value;
        memcpy(base, &v, sizeof v);
    } else {
        int v = (int)value;
        memcpy(base, &v, sizeof v);
    }
}

static const char *opt_value_name(const OptValue *values, int64_t value)
{
    for (const OptValue *v = values; v->name; v++)
        if (v->value == value)
            return v->name;
    return NULL;
}

/* An address list option's storage. */
typedef struct {
    uint8_t *addrs; /* count entries of `len` bytes */
    int *count;
    size_t len;
    int family;
} OptList;

static OptList opt_list(BondParams *p, const BondOpt *o)
{
    if (o->kind == OPT_KIND_IPV4_LIST)
        return (OptList){&p->arp_targets[0][0], &p->n_arp_targets, 4, AF_INET};
    return (OptList){&p->ns_targets[0][0], &p->n_ns_targets, 16, AF_INET6};
}

static gboolean opt_is_default(const BondParams *p, int i)
{
    const BondOpt *o = &bond_opts[i];
    static const uint8_t zero_mac[6];
    switch (o->kind) {
    case OPT_KIND_INT:
    case OPT_KIND_ENUM:
        return opt_get(p, o) == o->def;
    case OPT_KIND_MAC:
        return memcmp((const char *)p + o->offset, zero_mac, 6) == 0;
    case OPT_KIND_IPV4_LIST:
        return p->n_arp_targets == 0;
    case OPT_KIND_IPV6_LIST:
        return p->n_ns_targets == 0;
    case OPT_KIND_IFNAME:
        return ((const char *)p + o->offset)[0] == '\0';
    case OPT_KIND_ELSEWHERE:
        break;
    }
    return TRUE;
}

static void opts_warn(GPtrArray *warnings, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void opts_warn(GPtrArray *warnings, const char *fmt, ...)
{
    if (!warnings)
        return;
    va_list ap;
    va_start(ap, fmt);
    g_ptr_array_add(warnings, g_strdup_vprintf(fmt, ap));
    va_end(ap);
}

/* "balance-rr, active-backup" for the modes in `modes`. */
static void opts_append_modes(GString *out, unsigned modes)
{
    const char *sep = "";
    for (int m = 0; m < BOND_MODE_COUNT; m++) {
        if (modes & MODE_BIT(m)) {
            g_string_append_printf(out, "%s%s", sep, opt_mode_values[m].name);
            sep = ", ";
        }
    }
}

/* What an option accepts: "0-2147483647 (ms)", "layer2 (0), layer3+4 (1)". */
static void opts_append_accepted(GString *out, const BondOpt *o)
{
    static const char *const unit_names[] = {"", " (ms)", " (s)"};
    switch (o->kind) {
    case OPT_KIND_INT:
        g_string_append_printf(out, "%" G_GINT64_FORMAT "-%" G_GINT64_FORMAT "%s", o->min, o->max,
                               unit_names[o->unit]);
        break;
    case OPT_KIND_ENUM:
        for (const OptValue *v = o->values; v->name; v++)
            g_string_append_printf(out, "%s%s (%d)", v == o->values ? "" : ", ", v->name, v->value);
        break;
    case OPT_KIND_MAC:
        g_string_append(out, "a unicast MAC such as 02:00:00:00:00:01");
        break;
    case OPT_KIND_IPV4_LIST:
    case OPT_KIND_IPV6_LIST:
        g_string_append_printf(out, "up to %d %s addresses, comma-separated", BOND_MAX_ARP_TARGETS,
                               o->kind == OPT_KIND_IPV4_LIST ? "IPv4" : "IPv6");
        break;
    case OPT_KIND_IFNAME:
        g_string_append_printf(out, "an interface name of at most %d characters, or empty",
                               BOND_IFNAMSIZ - 1);
        break;
    case OPT_KIND_ELSEWHERE:
        break;
    }
}

/* Sets a VALUE error "option 'x': <what>; accepted <range>". */
static gboolean opts_value_error(GError **error, const BondOpt *o, const char *label,
                                 const char *fmt, ...) G_GNUC_PRINTF(4, 5);
static gboolean opts_value_error(GError **error, const BondOpt *o, const char *label,
                                 const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *what = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_autoptr(GString) acc = g_string_new(NULL);
    opts_append_accepted(acc, o);
    g_set_error(error, BOND_OPTIONS_ERROR, BOND_OPTIONS_ERROR_VALUE, "option %s: %s; accepted %s",
                label, what, acc->str);
    return FALSE;
}

/* ------------------------------------------------------------------------ */
/* Names                                                                    */
/* ------------------------------------------------------------------------ */

/* Which option a spelling names, and whether its bare times are seconds. */
typedef struct {
    int index;
    gboolean bare_seconds;
} OptKey;

static gboolean opts_lookup_exact(const char *name, OptKey *key)
{
    for (int i = 0; i < OPT_COUNT; i++) {
        const BondOpt *o = &bond_opts[i];
        if (strcmp(name, o->name) == 0) {
            *key = (OptKey){i, o->unit == OPT_UNIT_S};
            return TRUE;
        }
        for (const char *const *a = o->aliases; a && *a; a++) {
            if (strcmp(name, *a) == 0) {
                /* systemd-networkd's time keys end in "Sec": bare = seconds */
                *key = (OptKey){i, o->unit == OPT_UNIT_S || g_str_has_suffix(*a, "Sec")};
                return TRUE;
            }
        }
    }
    return FALSE;
}

/* ifupdown spelling: "bond-xmit-hash-policy" / "bond_lacp_rate" -> kernel
 * spelling; NULL when `name` has no such prefix. Caller frees. */
static char *opts_strip_ifupdown(const char *name)
{
    if (!g_str_has_prefix(name, "bond-") && !g_str_has_prefix(name, "bond_"))
        return NULL;
    return g_strdelimit(g_strdup(name + 5), "-", '_');
}

static gboolean opts_lookup(const char *name, OptKey *key)
{
    if (opts_lookup_exact(name, key))
        return TRUE;
    g_autofree char *stripped = opts_strip_ifupdown(name);
    return stripped && opts_lookup_exact(stripped, key);
}

/* Case-insensitive edit distance, capped at 99 for long strings. */
static int opts_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    int row[64];
    if (la >= G_N_ELEMENTS(row) || lb >= G_N_ELEMENTS(row))
        return 99;
    for (size_t j = 0; j <= lb; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int up = row[j];
            int cost = g_ascii_tolower(a[i - 1]) != g_ascii_tolower(b[j - 1]);
            row[j] = MIN(MIN(row[j] + 1, row[j - 1] + 1), diag + cost);
            diag = up;
        }
    }
    return row[lb];
}

/* Distance of `name` (or its ifupdown-stripped form) to `cand`, or 99 if
 * too far to be a typo (more than 2 edits or a third of the word). */
static int opts_typo_distance(const char *name, const char *cand)
{
    g_autofree char *stripped = opts_strip_ifupdown(name);
    int d = opts_distance(name, cand);
    if (stripped)
        d = MIN(d, opts_distance(stripped, cand));
    return d <= 2 && 3 * d <= (int)strlen(cand) ? d : 99;
}

/* The spelling closest to an unknown `name`, or NULL. */
static const char *opts_suggest(const char *name)
{
    const char *best = NULL;
    int best_d = 99;
    for (int i = 0; i < OPT_COUNT; i++) {
        const BondOpt *o = &bond_opts[i];
        int d = opts_typo_distance(name, o->name);
        if (d < best_d)
            best = o->name, best_d = d;
        for (const char *const *a = o->aliases; a && *a; a++) {
            d = opts_typo_distance(name, *a);
            if (d < best_d)
                best = *a, best_d = d;
        }
    }
    return best;
}

static gboolean opts_lookup_or_error(const char *name, OptKey *key, GError **error)
{
    if (opts_lookup(name, key))
        return TRUE;
    const char *hint = opts_suggest(name);
    if (hint)
        g_set_error(error, BOND_OPTIONS_ERROR, BOND_OPTIONS_ERROR_UNKNOWN,
                    "unknown bonding option '%s'; did you mean '%s'?", name, hint);
    else
        g_set_error(error, BOND_OPTIONS_ERROR, BOND_OPTIONS_ERROR_UNKNOWN,
                    "unknown bonding option '%s'", name);
    return FALSE;
}

const char *bond_mode_name(BondMode mode)
{
    g_return_val_if_fail(mode < BOND_MODE_COUNT, "?");
    return opt_mode_values[mode].name;
}

const char *bond_hash_policy_name(BondHashPolicy policy)
{
    const char *name = opt_value_name(opt_hash_values, policy);
    return name ? name : "?";
}

/* ------------------------------------------------------------------------ */
/* Value parsers                                                            */
/* ------------------------------------------------------------------------ */

/* Decimal digits only (no sign, no blanks); saturates at UINT64_MAX. */
static gboolean opts_parse_digits(const char *s, uint64_t *out)
{
    if (*s == '\0')
        return FALSE;
    for (const char *c = s; *c; c++)
        if (!g_ascii_isdigit(*c))
            return FALSE;
    errno = 0;
    guint64 v = g_ascii_strtoull(s, NULL, 10);
    *out = errno == ERANGE ? UINT64_MAX : v;
    return TRUE;
}

static gboolean opts_parse_bool_word(const char *s, int64_t *out)
{
    static const char *const yes[] = {"yes", "true", "on"}, *const no[] = {"no", "false", "off"};
    for (size_t i = 0; i < G_N_ELEMENTS(yes); i++) {
        if (g_ascii_strcasecmp(s, yes[i]) == 0 || g_ascii_strcasecmp(s, no[i]) == 0) {
            *out = g_ascii_strcasecmp(s, yes[i]) == 0;
            return TRUE;
        }
    }
    return FALSE;
}

#define NS_PER_MS UINT64_C(1000000)
#define NS_PER_S UINT64_C(1000000000)

static const struct {
    const char *name;
    uint64_t ns;
} opts_time_units[] = {
    {"ns", 1},         {"us", 1000},           {"ms", NS_PER_MS},    {"s", NS_PER_S},
    {"sec", NS_PER_S}, {"min", 60 * NS_PER_S}, {"m", 60 * NS_PER_S},
};

/* "100", "100ms", "0.1s", "2min": a time in ns; a bare number is in
 * `bare_ns`. Up to 6 decimals. *exact is FALSE when the value is not a whole
 * number of ns; *out saturates at UINT64_MAX. FALSE if not a time at all. */
static gboolean opts_parse_time_ns(const char *s, uint64_t bare_ns, uint64_t *out, gboolean *exact)
{
    g_autofree char *num = g_strdup(s);
    char *unit = num + strspn(num, "0123456789.");
    g_autofree char *unit_name = g_strdup(unit);
    *unit = '\0';
    char *dot = strchr(num, '.');
    uint64_t whole = 0, frac = 0, scale = 1, unit_ns = 0;
    if (dot) {
        *dot = '\0';
        if (strlen(dot + 1) > 6 || !opts_parse_digits(dot + 1, &frac))
            return FALSE;
        for (size_t i = 0; i < strlen(dot + 1); i++)
            scale *= 10;
    }
    if (!opts_parse_digits(num, &whole))
        return FALSE;
    for (size_t i = 0; i < G_N_ELEMENTS(opts_time_units); i++)
        if (strcmp(unit_name, opts_time_units[i].name) == 0)
            unit_ns = opts_time_units[i].ns;
    if (unit_name[0] == '\0')
        unit_ns = bare_ns;
    if (unit_ns == 0)
        return FALSE;
    /* frac < 10^6 and unit_ns <= 6e10: the product fits in 64 bits */
    *exact = (frac * unit_ns) % scale == 0;
    *out = whole > (UINT64_MAX - NS_PER_S * 60) / unit_ns
               ? UINT64_MAX
               : whole * unit_ns + frac * unit_ns / scale;
    return TRUE;
}

/* A time option's value in its unit (ms or s); *out = UINT64_MAX when huge. */
static gboolean opts_parse_time(const BondOpt *o, const char *label, const char *s,
                                gboolean bare_seconds, uint64_t *out, GError **error)
{
    uint64_t unit_ns = o->unit == OPT_UNIT_MS ? NS_PER_MS : NS_PER_S;
    uint64_t ns;
    gboolean exact;
    if (!opts_parse_time_ns(s, bare_seconds ? NS_PER_S : unit_ns, &ns, &exact))
        return opts_value_error(error, o, label, "'%s' is not a number", s);
    if (ns == UINT64_MAX) {
        *out = UINT64_MAX;
        return TRUE;
    }
    if (!exact || ns % unit_ns != 0)
        return opts_value_error(error, o, label, "'%s' is not a whole number of %s", s,
                                o->unit == OPT_UNIT_MS ? "ms" : "seconds");
    *out = ns / unit_ns;
    return TRUE;
}

/* A whole number (times with optional unit) for an OPT_KIND_INT option. */
static gboolean opts_parse_int(const BondOpt *o, const char *label, const char *s,
                               gboolean bare_seconds, int64_t *out, GError **error)
{
    uint64_t v = 0;
    if (o->bool_words && opts_parse_bool_word(s, out))
        return TRUE;
    if (o->unit == OPT_UNIT_NONE) {
        if (!opts_parse_digits(s, &v))
            return opts_value_error(error, o, label, "'%s' is not a number", s);
    } else if (!opts_parse_time(o, label, s, bare_seconds, &v, error)) {
        return FALSE;
    }
    if (v < (uint64_t)o->min || v > (uint64_t)o->max)
        return opts_value_error(error, o, label, "'%s' is out of range", s);
    *out = (int64_t)v;
    return TRUE;
}

/* A named value by name or number. */
static gboolean opts_parse_enum(const BondOpt *o, const char *label, const char *s, int64_t *out,
                                GError **error)
{
    uint64_t n = 0;
    for (const OptValue *v = o->values; v->name; v++) {
        if (strcmp(s, v->name) == 0) {
            *out = v->value;
            return TRUE;
        }
    }
    if (opts_parse_digits(s, &n) && n <= INT_MAX && opt_value_name(o->values, (int64_t)n)) {
        *out = (int64_t)n;
        return TRUE;
    }
    if (o->bool_words && opts_parse_bool_word(s, out))
        return TRUE;
    return opts_value_error(error, o, label, "'%s' is not a value", s);
}

/* "02:00:00:00:00:01" (or '-' separators); multicast refused as the kernel
 * does for ad_actor_system; zero accepted as "back to the bond's MAC". */
static gboolean opts_parse_mac(const BondOpt *o, const char *label, const char *s, uint8_t *out,
                               GError **error)
{
    uint8_t mac[6];
    if (strlen(s) != 17)
        return opts_value_error(error, o, label, "'%s' is not a MAC address", s);
    for (int i = 0; i < 6; i++) {
        const char *c = s + 3 * i;
        if (!g_ascii_isxdigit(c[0]) || !g_ascii_isxdigit(c[1]) ||
            (i < 5 && c[2] != ':' && c[2] != '-'))
            return opts_value_error(error, o, label, "'%s' is not a MAC address", s);
        mac[i] = (uint8_t)(g_ascii_xdigit_value(c[0]) * 16 + g_ascii_xdigit_value(c[1]));
    }
    if (mac[0] & 1)
        return opts_value_error(error, o, label, "%s is a multicast address", s);
    memcpy(out, mac, sizeof mac);
    return TRUE;
}

/* A slave name as the kernel's dev_valid_name() takes it, also without ','
 * and '=' so that bond_params_to_string() output parses back; "" = unset. */
static gboolean opts_parse_ifname(const BondOpt *o, const char *label, const char *s, char *out,
                                  GError **error)
{
    size_t len = strlen(s);
    if (len >= BOND_IFNAMSIZ || strcmp(s, ".") == 0 || strcmp(s, "..") == 0 ||
        strpbrk(s, "/:,=") != NULL)
        return opts_value_error(error, o, label, "'%s' is not an interface name", s);
    memset(out, 0, BOND_IFNAMSIZ);
    memcpy(out, s, len);
    return TRUE;
}

/* Targets the kernel refuses: 0.0.0.0 and 255.255.255.255; ::, ::1 and
 * multicast (reference section 6.2). */
static gboolean opts_addr_usable(const OptList *l, const uint8_t *a)
{
    static const uint8_t zero[16], bcast[4] = {255, 255, 255, 255}, loop6[16] = {[15] = 1};
    if (memcmp(a, zero, l->len) == 0)
        return FALSE;
    if (l->family == AF_INET)
        return memcmp(a, bcast, sizeof bcast) != 0;
    return memcmp(a, loop6, sizeof loop6) != 0 && a[0] != 0xff;
}

/* Adds or removes one address of an arp_ip_target / ns_ip6_target list. */
static gboolean opts_list_edit(const BondOpt *o, const char *label, const OptList *l,
                               const char *item, gboolean add, GError **error)
{
    uint8_t addr[16];
    const char *family = l->family == AF_INET ? "IPv4" : "IPv6";
    if (inet_pton(l->family, item, addr) != 1)
        return opts_value_error(error, o, label, "'%s' is not an %s address", item, family);
    if (!opts_addr_usable(l, addr))
        return opts_value_error(
            error, o, label, "%s is not a usable target (the kernel refuses %s)", item,
            l->family == AF_INET ? "0.0.0.0 and 255.255.255.255" : "::, ::1 and multicast");
    int at = -1;
    for (int i = 0; i < *l->count && at < 0; i++)
        if (memcmp(l->addrs + (size_t)i * l->len, addr, l->len) == 0)
            at = i;
    if (add && at >= 0)
        return opts_value_error(error, o, label, "%s is given twice", item);
    if (add && *l->count >= BOND_MAX_ARP_TARGETS)
        return opts_value_error(error, o, label, "more than %d targets", BOND_MAX_ARP_TARGETS);
    if (!add && at < 0)
        return opts_value_error(error, o, label, "cannot remove %s: not in the list", item);
    if (add) {
        memcpy(l->addrs + (size_t)*l->count * l->len, addr, l->len);
        (*l->count)++;
        return TRUE;
    }
    (*l->count)--;
    memmove(l->addrs + (size_t)at * l->len, l->addrs + (size_t)(at + 1) * l->len,
            (size_t)(*l->count - at) * l->len);
    memset(l->addrs + (size_t)*l->count * l->len, 0, l->len);
    return TRUE;
}

/* "a,b" replaces the list, "+a" adds, "-a" removes (sysfs style), "" empties
 * it; `append` (bare address after the option) adds. */
static gboolean opts_apply_list(BondParams *p, const BondOpt *o, const char *label,
                                const char *value, gboolean append, GError **error)
{
    OptList l = opt_list(p, o);
    if (!append && value[0] != '+' && value[0] != '-') {
        *l.count = 0;
        memset(l.addrs, 0, BOND_MAX_ARP_TARGETS * l.len);
    }
    g_auto(GStrv) items = g_strsplit(value, ",", -1);
    for (char **it = items; *it; it++) {
        const char *item = *it;
        gboolean add = item[0] != '-';
        gboolean signed_item = item[0] == '+' || item[0] == '-';
        if (signed_item)
            item++;
        if (signed_item && *item == '\0') /* the kernel: invalid target, EINVAL */
            return opts_value_error(error, o, label, "'%s' names no address to %s", *it,
                                    add ? "add" : "remove");
        if (*item != '\0' && !opts_list_edit(o, label, &l, item, add, error))
            return FALSE;
    }
    return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Applying a string                                                        */
/* ------------------------------------------------------------------------ */

typedef struct {
    BondParams p;        /* work copy, committed to the caller's on success */
    GPtrArray *warnings; /* owned (g_free); handed to the caller on success */
    int list_opt;        /* last option if it is an address list (bare addresses add to it) */
} OptParse;

/* "'miimon'", or "'miimon' (given as 'MIIMonitorSec')" for another spelling. */
static char *opts_label(const BondOpt *o, const char *spelled)
{
    if (strcmp(o->name, spelled) == 0)
        return g_strdup_printf("'%s'", o->name);
    return g_strdup_printf("'%s' (given as '%s')", o->name, spelled);
}

static gboolean opts_apply_value(BondParams *p, const OptKey *k, const char *label,
                                 const char *value, gboolean append, GError **error)
{
    const BondOpt *o = &bond_opts[k->index];
    int64_t v = 0;
    switch (o->kind) {
    case OPT_KIND_INT:
        if (!opts_parse_int(o, label, value, k->bare_seconds, &v, error))
            return FALSE;
        opt_set(p, o, v);
        return TRUE;
    case OPT_KIND_ENUM:
        if (!opts_parse_enum(o, label, value, &v, error))
            return FALSE;
        opt_set(p, o, v);
        return TRUE;
    case OPT_KIND_MAC:
        return opts_parse_mac(o, label, value, (uint8_t *)p + o->offset, error);
    case OPT_KIND_IFNAME:
        return opts_parse_ifname(o, label, value, (char *)p + o->offset, error);
    case OPT_KIND_IPV4_LIST:
    case OPT_KIND_IPV6_LIST:
        return opts_apply_list(p, o, label, value, append, error);
    case OPT_KIND_ELSEWHERE:
        break;
    }
    g_assert_not_reached();
    return FALSE;
}

/* miimon and arp_interval exclude each other (reference section 6): a
 * non-zero one given later clears the other, as the kernel does. */
static void opts_exclude_monitor(OptParse *st, int given, int other)
{
    int64_t gv = opt_get(&st->p, &bond_opts[given]), ov = opt_get(&st->p, &bond_opts[other]);
    if (gv == 0 || ov == 0)
        return;
    opts_warn(st->warnings,
              "miimon and arp_interval exclude each other: %s=%" G_GINT64_FORMAT
              " comes later, so %s %" G_GINT64_FORMAT " is cleared (the kernel runs one link "
              "monitor at a time)",
              bond_opts[given].name, gv, bond_opts[other].name, ov);
    opt_set(&st->p, &bond_opts[other], 0);
    st->p.set_mask &= ~OPT_BIT(other);
}

/* Applies `value` (NULL: none was given) to the option `k` spelled `spelled`. */
static gboolean opts_apply(OptParse *st, const char *spelled, const OptKey *k, const char *value,
                           gboolean append, GError **error)
{
    const BondOpt *o = &bond_opts[k->index];
    if (o->kind == OPT_KIND_ELSEWHERE) {
        g_set_error(error, BOND_OPTIONS_ERROR, BOND_OPTIONS_ERROR_UNKNOWN, "option '%s' %s",
                    o->name, o->doc);
        return FALSE;
    }
    g_autofree char *label = opts_label(o, spelled);
    if (value == NULL) {
        g_set_error(error, BOND_OPTIONS_ERROR, BOND_OPTIONS_ERROR_VALUE, "option %s needs a value",
                    label);
        return FALSE;
    }
    if (!opts_apply_value(&st->p, k, label, value, append, error))
        return FALSE;
    st->p.set_mask |= OPT_BIT(k->index);
    gboolean is_list = o->kind == OPT_KIND_IPV4_LIST || o->kind == OPT_KIND_IPV6_LIST;
    st->list_opt = is_list ? k->index : -1;
    if (k->index == OPT_MIIMON)
        opts_exclude_monitor(st, OPT_MIIMON, OPT_ARP_INTERVAL);
    if (k->index == OPT_ARP_INTERVAL)
        opts_exclude_monitor(st, OPT_ARP_INTERVAL, OPT_MIIMON);
    return TRUE;
}

/* One step over the tokens: "name=value", "name value" (ip link style, the
 * next token is the value), or a bare address continuing a target list. */
static gboolean opts_apply_token(OptParse *st, GPtrArray *toks, guint *i, GError **error)
{
    const char *tok = g_ptr_array_index(toks, *i);
    const char *eq = strchr(tok, '=');
    OptKey k;
    if (eq) {
        g_autofree char *name = g_strndup(tok, (gsize)(eq - tok));
        return opts_lookup_or_error(name, &k, error) &&
               opts_apply(st, name, &k, eq + 1, FALSE, error);
    }
    if (opts_lookup(tok, &k)) {
        const char *next = *i + 1 < toks->len ? g_ptr_array_index(toks, *i + 1) : NULL;
        if (next && strchr(next, '='))
            next = NULL;
        if (next)
            (*i)++;
        return opts_apply(st, tok, &k, next, FALSE, error);
    }
    if (st->list_opt >= 0) {
        k = (OptKey){st->list_opt, FALSE};
        return opts_apply(st, bond_opts[st->list_opt].name, &k, tok, TRUE, error);
    }
    return opts_lookup_or_error(tok, &k, error);
}

/* Does a comma-separated piece start a new option ("name=..." or a bare
 * option name)? Otherwise it continues the previous value (a target list). */
static gboolean opts_starts_option(const char *piece)
{
    const char *eq = strchr(piece, '=');
    OptKey k;
    if (eq)
        return eq != piece;
    return opts_lookup(piece, &k);
}

static void opts_flush_token(GPtrArray *toks, GString *cur)
{
    while (cur->len > 0 && cur->str[cur->len - 1] == ',')
        g_string_truncate(cur, cur->len - 1);
    if (cur->len > 0)
        g_ptr_array_add(toks, g_strdup(cur->str));
    g_string_truncate(cur, 0);
}

/* Splits `text` into tokens: white space always separates; a comma only when
 * what follows starts a new option, so "arp_ip_target=10.0.0.1,10.0.0.2"
 * stays one token while "mode=1,miimon=100" is two. Caller frees. */
static GPtrArray *opts_tokenize(const char *text)
{
    GPtrArray *toks = g_ptr_array_new_with_free_func(g_free);
    g_auto(GStrv) words = g_strsplit_set(text, " \t\r\n", -1);
    g_autoptr(GString) cur = g_string_new(NULL);
    for (char **w = words; *w; w++) {
        g_auto(GStrv) pieces = g_strsplit(*w, ",", -1);
        for (char **piece = pieces; *piece; piece++) {
            if (cur->len > 0 && opts_starts_option(*piece))
                opts_flush_token(toks, cur);
            if (cur->len > 0)
                g_string_append_c(cur, ',');
            g_string_append(cur, *piece);
        }
        opts_flush_token(toks, cur);
    }
    return toks;
}

/* ------------------------------------------------------------------------ */
/* Cross-option rules                                                       */
/* ------------------------------------------------------------------------ */

/* Options given but not accepted in the mode: EACCES in the kernel. */
static gboolean opts_check_modes(const BondParams *p, GError **error)
{
    for (int i = 0; i < OPT_REAL_COUNT; i++) {
        const BondOpt *o = &bond_opts[i];
        if (!(p->set_mask & OPT_BIT(i)) || (o->modes & MODE_BIT(p->mode)))
            continue;
        g_autoptr(GString) valid = g_string_new(NULL);
        opts_append_modes(valid, o->modes);
        g_set_error(error, BOND_OPTIONS_ERROR, BOND_OPTIONS_ERROR_MODE,
                    "option '%s' is not valid in mode %s (valid in: %s)", o->name,
                    bond_mode_name(p->mode), valid->str);
        return FALSE;
    }
    return TRUE;
}

/* 802.3ad, balance-tlb and balance-alb cannot run the ARP monitor and need a
 * link monitor: the kernel sets miimon 100 when it is 0 (reference 6). */
static void opts_force_miimon(BondParams *p, GPtrArray *warnings)
{
    if ((MODES_ARP & MODE_BIT(p->mode)) || p->miimon_ms != 0)
        return;
    p->arp_interval_ms = 0;
    p->miimon_ms = 100;
    p->set_mask |= OPT_BIT(OPT_MIIMON);
    opts_warn(warnings,
              "mode %s needs the MII monitor: miimon 0 becomes 100, as the kernel sets it",
              bond_mode_name(p->mode));
}

static gboolean opts_check_arp_targets(const BondParams *p, GError **error)
{
    if (p->arp_interval_ms == 0 || p->n_arp_targets > 0 || p->n_ns_targets > 0)
        return TRUE;
    g_set_error(error, BOND_OPTIONS_ERROR, BOND_OPTIONS_ERROR_DEPENDS,
                "option 'arp_interval' needs at least one arp_ip_target or ns_ip6_target: the ARP "
                "monitor has nothing to probe (given as a module parameter, the kernel warns and "
                "sets arp_interval to 0; bondsim refuses it)");
    return FALSE;
}

/* updelay, downdelay and peer_notif_delay need miimon (EPERM otherwise) and
 * are kept by the kernel as a number of ticks: rounded down to a multiple of
 * miimon, with a warning (reference 6.1). */
static gboolean opts_check_delays(BondParams *p, GPtrArray *warnings, GError **error)
{
    static const int delays[] = {OPT_UPDELAY, OPT_DOWNDELAY, OPT_PEER_NOTIF_DELAY};
    for (size_t i = 0; i < G_N_ELEMENTS(delays); i++) {
        const BondOpt *o = &bond_opts[delays[i]];
        int64_t v = opt_get(p, o);
        if (p->miimon_ms == 0 && ((p->set_mask & OPT_BIT(delays[i])) || v != 0)) {
            g_set_error(error, BOND_OPTIONS_ERROR, BOND_OPTIONS_ERROR_DEPENDS,
                        "option '%s' needs miimon (the kernel refuses it with EPERM while "
                        "miimon is 0)",
                        o->name);
            return FALSE;
        }
        if (p->miimon_ms != 0 && v % p->miimon_ms != 0) {
            int64_t rounded = v - v % p->miimon_ms;
            opts_warn(warnings,
                      "%s %" G_GINT64_FORMAT " ms is not a multiple of miimon %u: the kernel "
                      "uses %" G_GINT64_FORMAT " ms",
                      o->name, v, p->miimon_ms, rounded);
            opt_set(p, o, rounded);
        }
    }
    return TRUE;
}

static gboolean opts_finish(BondParams *p, GPtrArray *warnings, GError **error)
{
    if (!opts_check_modes(p, error))
        return FALSE;
    opts_force_miimon(p, warnings);
    if (!opts_check_arp_targets(p, error) || !opts_check_delays(p, warnings, error))
        return FALSE;
    if (p->use_carrier == 0)
        opts_warn(warnings, "use_carrier 0 is ignored: kernels from 6.18 always use the carrier "
                            "state, and so does bondsim");
    return TRUE;
}

static void opts_hand_warnings(GPtrArray *from, GPtrArray *to)
{
    for (guint i = 0; to && i < from->len; i++)
        g_ptr_array_add(to, g_strdup(g_ptr_array_index(from, i)));
}

/* ------------------------------------------------------------------------ */
/* Public API                                                               */
/* ------------------------------------------------------------------------ */

void bond_params_defaults(BondParams *p)
{
    g_return_if_fail(p != NULL);
    memset(p, 0, sizeof *p);
    for (int i = 0; i < OPT_REAL_COUNT; i++) {
        const BondOpt *o = &bond_opts[i];
        if (o->kind == OPT_KIND_INT || o->kind == OPT_KIND_ENUM)
            opt_set(p, o, o->def);
    }
}

gboolean bond_params_parse(BondParams *p, const char *text, GPtrArray *warnings, GError **error)
{
    g_return_val_if_fail(p != NULL && p->mode < BOND_MODE_COUNT, FALSE);
    g_return_val_if_fail(text != NULL, FALSE);
    OptParse st = {.p = *p, .warnings = g_ptr_array_new_with_free_func(g_free), .list_opt = -1};
    g_autoptr(GPtrArray) toks = opts_tokenize(text);
    gboolean ok = TRUE;
    for (guint i = 0; ok && i < toks->len; i++)
        ok = opts_apply_token(&st, toks, &i, error);
    ok = ok && opts_finish(&st.p, st.warnings, error);
    if (ok) {
        *p = st.p;
        opts_hand_warnings(st.warnings, warnings);
    }
    g_ptr_array_unref(st.warnings);
    return ok;
}

gboolean bond_params_finish(BondParams *p, GPtrArray *warnings, GError **error)
{
    g_return_val_if_fail(p != NULL && p->mode < BOND_MODE_COUNT, FALSE);
    BondParams work = *p;
    g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func(g_free);
    if (!opts_finish(&work, found, error))
        return FALSE;
    *p = work;
    opts_hand_warnings(found, warnings);
    return TRUE;
}

gboolean bond_params_check_modelled(const BondParams *p, GError **error)
{
    g_return_val_if_fail(p != NULL && p->mode < BOND_MODE_COUNT, FALSE);
    if (!bond_mode_modelled[p->mode]) {
        unsigned modelled = 0;
        for (int m = 0; m < BOND_MODE_COUNT; m++)
            modelled |= bond_mode_modelled[m] ? MODE_BIT(m) : 0;
        g_autoptr(GString) list = g_string_new(NULL);
        opts_append_modes(list, modelled);
        g_set_error(error, BOND_OPTIONS_ERROR, BOND_OPTIONS_ERROR_UNSUPPORTED,
                    "mode %s is not modelled yet (modelled: %s)", bond_mode_name(p->mode),
                    list->str);
        return FALSE;
    }
    for (int i = 0; i < OPT_REAL_COUNT; i++) {
        if (bond_opts[i].modelled || !(p->set_mask & OPT_BIT(i)) || opt_is_default(p, i))
            continue;
        g_set_error(error, BOND_OPTIONS_ERROR, BOND_OPTIONS_ERROR_UNSUPPORTED,
                    "option '%s' is a real bonding option that this version of bondsim does not "
                    "model yet",
                    bond_opts[i].name);
        return FALSE;
    }
    return TRUE;
}

gboolean bond_mode_from_string(const char *s, BondMode *mode)
{
    g_return_val_if_fail(s != NULL && mode != NULL, FALSE);
    int64_t v = 0;
    if (!opts_parse_enum(&bond_opts[OPT_MODE], "'mode'", s, &v, NULL))
        return FALSE;
    *mode = (BondMode)v;
    return TRUE;
}

static void opts_append_list(GString *out, const uint8_t *addrs, int count, size_t len, int family)
{
    char buf[INET6_ADDRSTRLEN];
    for (int i = 0; i < count; i++) {
        if (!inet_ntop(family, addrs + (size_t)i * len, buf, sizeof buf))
            g_assert_not_reached();
        g_string_append_printf(out, "%s%s", i ? "," : "", buf);
    }
}

/* The value of option `o` in p, as the parser takes it back. */
static void opts_append_value(GString *out, const BondParams *p, const BondOpt *o)
{
    const uint8_t *mac = (const uint8_t *)p + o->offset;
    const char *name;
    switch (o->kind) {
    case OPT_KIND_INT:
        g_string_append_printf(out, "%" G_GINT64_FORMAT, opt_get(p, o));
        break;
    case OPT_KIND_ENUM:
        name = opt_value_name(o->values, opt_get(p, o));
        if (name)
            g_string_append(out, name);
        else
            g_string_append_printf(out, "%" G_GINT64_FORMAT, opt_get(p, o));
        break;
    case OPT_KIND_MAC:
        g_string_append_printf(out, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
                               mac[4], mac[5]);
        break;
    case OPT_KIND_IPV4_LIST:
        opts_append_list(out, &p->arp_targets[0][0], p->n_arp_targets, 4, AF_INET);
        break;
    case OPT_KIND_IPV6_LIST:
        opts_append_list(out, &p->ns_targets[0][0], p->n_ns_targets, 16, AF_INET6);
        break;
    case OPT_KIND_IFNAME:
        g_string_append(out, (const char *)p + o->offset);
        break;
    case OPT_KIND_ELSEWHERE:
        break;
    }
}

char *bond_params_to_string(const BondParams *p)
{
    g_return_val_if_fail(p != NULL && p->mode < BOND_MODE_COUNT, NULL);
    GString *out = g_string_new("mode=");
    g_string_append(out, bond_mode_name(p->mode));
    for (int i = OPT_MODE + 1; i < OPT_REAL_COUNT; i++) {
        if (opt_is_default(p, i))
            continue;
        g_string_append_printf(out, " %s=", bond_opts[i].name);
        opts_append_value(out, p, &bond_opts[i]);
    }
    return g_string_free(out, FALSE);
}

/* One option of the help: name, what it does, values, default, modes,
 * other spellings. */
static void opts_append_help(GString *out, const BondOpt *o, const BondParams *defaults)
{
    if (o->kind == OPT_KIND_ELSEWHERE) {
        g_string_append_printf(out, "  %s %s\n", o->name, o->doc);
        return;
    }
    g_string_append_printf(out, "  %-18s %s%s\n      accepts ", o->name, o->doc,
                           o->modelled ? "" : " [not modelled yet]");
    opts_append_accepted(out, o);
    g_string_append(out, "; default ");
    if (opt_is_default(defaults, (int)(o - bond_opts)) && o->kind != OPT_KIND_INT &&
        o->kind != OPT_KIND_ENUM)
        g_string_append(out, "unset");
    else
        opts_append_value(out, defaults, o);
    if (o->modes != MODES_ALL) {
        g_string_append(out, "; modes ");
        opts_append_modes(out, o->modes);
    }
    g_string_append_c(out, '\n');
    for (const char *const *a = o->aliases; a && *a; a++)
        g_string_append_printf(out, "%s%s", a == o->aliases ? "      also " : ", ", *a);
    if (o->aliases)
        g_string_append_c(out, '\n');
}

char *bond_options_help(void)
{
    GString *out = g_string_new(NULL);
    BondParams defaults;
    bond_params_defaults(&defaults);
    g_string_append(out,
                    "Bonding options, spelled as in BONDING_OPTS, sysfs and `ip link ... type "
                    "bond`:\n"
                    "name=value or name value, separated by blanks or commas; named values by "
                    "name or number.\n"
                    "Times: a bare number is in ms (lp_interval: s; systemd *Sec keys: s), or "
                    "give a unit: 100ms, 0.1s.\n"
                    "netplan and systemd-networkd spellings (listed as \"also\") and ifupdown's "
                    "bond-<name> work too.\n"
                    "Options marked [not modelled yet] are refused when set to a non-default "
                    "value.\n\nModes:");
    for (int m = 0; m < BOND_MODE_COUNT; m++)
        g_string_append_printf(out, " %s (%d)%s%s", bond_mode_name(m), m,
                               bond_mode_modelled[m] ? "" : " [not modelled yet]",
                               m + 1 < BOND_MODE_COUNT ? "," : "\n\nOptions:\n");
    for (int i = 0; i < OPT_COUNT; i++)
        opts_append_help(out, &bond_opts[i], &defaults);
    return g_string_free(out, FALSE);
}

/* ------------------------------------------------------------------------ */
/* Forcing a mode (bondsim compare)                                         */
/* ------------------------------------------------------------------------ */

gboolean bond_mode_is_modelled(BondMode mode)
{
    g_return_val_if_fail(mode < BOND_MODE_COUNT, FALSE);
    return bond_mode_modelled[mode];
}

/* Option `i` back to its default, as if it had never been given. */
static void opts_reset(BondParams *p, int i)
{
    const BondOpt *o = &bond_opts[i];
    switch (o->kind) {
    case OPT_KIND_INT:
    case OPT_KIND_ENUM:
        opt_set(p, o, o->def);
        break;
    case OPT_KIND_MAC:
        memset((char *)p + o->offset, 0, 6);
        break;
    case OPT_KIND_IPV4_LIST:
    case OPT_KIND_IPV6_LIST: {
        OptList l = opt_list(p, o);
        memset(l.addrs, 0, (size_t)BOND_MAX_ARP_TARGETS * l.len);
        *l.count = 0;
        break;
    }
    case OPT_KIND_IFNAME:
        memset((char *)p + o->offset, 0, BOND_IFNAMSIZ);
        break;
    case OPT_KIND_ELSEWHERE:
        break;
    }
    p->set_mask &= ~OPT_BIT(i);
}

guint bond_params_force_mode(BondParams *p, BondMode mode, GPtrArray *dropped)
{
    g_return_val_if_fail(p != NULL && mode < BOND_MODE_COUNT, 0);
    guint n = 0;
    for (int i = OPT_MODE + 1; i < OPT_REAL_COUNT; i++) {
        if (!(p->set_mask & OPT_BIT(i)) || (bond_opts[i].modes & MODE_BIT(mode)))
            continue;
        opts_reset(p, i);
        if (dropped)
            g_ptr_array_add(dropped, (gpointer)bond_opts[i].name);
        n++;
    }
    p->mode = mode;
    p->set_mask |= OPT_BIT(OPT_MODE);
    return n;
}

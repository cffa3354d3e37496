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
 * last bit has arrived).
 *
 * Port-channels (switch_add_channel): several ports bundled into one logical
 * port, static (EtherChannel "mode on") or LACP. MACs are learned on the
 * channel, so a bond sending one MAC over all members causes no move; a
 * flood sends one copy per channel, a frame never goes back into the channel
 * it came from, and a frame for the channel leaves on
 * active[switch_hash(...) % n_active], the members with carrier in port
 * order. A member losing carrier leaves at once (flows are
 * remapped by the modulo); the channel's entries are flushed only when its
 * last member goes. An LACP channel runs one LACP system (sim/lacp/) over
 * its members: system = the switch's (02:5e:00:<switch>:00:00, or the
 * shared `lacp_system` of an MC-LAG pair), key = channel number, priorities
 * 32768 as switches default; the switch ticks it on its own AD timer, hands
 * it the members' slow-protocol frames and carrier, and a member carries
 * frames (both ways) only while its mux is collecting+distributing: a
 * switch suspends a member without an LACP partner. IEEE 802.1D link-local
 * frames (01:80:c2:00:00:00-0f: slow protocols, STP, LLDP, pause...) are
 * never forwarded: a port not running LACP consumes them and counts them
 * (reference 13.3).
 *
 * Cloud virtual switch (switch_set_vswitch, sim/cloud.h for the profiles):
 * each port is bound to the MAC and IPv4 addresses of its virtual NIC
 * (SwitchBinding); frames with another source MAC or IP, or, with the
 * destination check, for a MAC/IP not bound to the port they would leave
 * on, are dropped and counted per port and reason (SwitchVsDrop), and
 * slow-protocol frames are dropped as "lacp-not-supported": a cloud vSwitch
 * offers no LAG (reference 13.12). A plain switch (vs == NULL) never enters
 * that code: its behaviour is the learning bridge above, unchanged.
 *
 * The forwarding table is an open-addressing hash table of fixed size keyed
 * by the 48-bit MAC: no allocation and no list search per frame. GHashTable
 * would allocate per insertion and hash through a function pointer.
 */
#ifndef BONDSIM_SWITCH_H
#define BONDSIM_SWITCH_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "nic.h"

typedef struct Sim Sim;
typedef struct Switch Switch;
struct LacpSystem;

#define SWITCH_MAX_PORTS 256
#define SWITCH_FDB_SIZE 8192 /* slots; at most half are filled */
#define SWITCH_DEFAULT_AGING_PS (300ull * 1000000000000ull)
#define SWITCH_MAX_CHANNELS 64
#define SWITCH_MAX_MEMBERS 16 /* ports per channel */
/* Forwarding-table destination of channel `c` (switch_fdb_lookup); plain
 * ports are 0..n_ports-1. */
#define SWITCH_CHANNEL_ID(c) (SWITCH_MAX_PORTS + (c))

#define SWITCH_ERROR (switch_error_quark())
GQuark switch_error_quark(void);

/* The switch's own load-balancing hash for frames leaving a channel; the
 * exact formulas are in switch.c above switch_hash(). */
typedef enum {
    SWITCH_HASH_SRC_MAC = 0,
    SWITCH_HASH_DST_MAC,
    SWITCH_HASH_SRC_DST_MAC,
    SWITCH_HASH_SRC_DST_IP, /* default: what current Catalyst/Nexus/EOS default to */
    SWITCH_HASH_SRC_DST_PORT,
    SWITCH_HASH_COUNT
} SwitchHash;

typedef enum {
    SWITCH_CHAN_STATIC = 0, /* EtherChannel "mode on": no LACP */
    SWITCH_CHAN_LACP,
} SwitchChanMode;

/* How a channel runs (switch_add_channel). */
typedef struct {
    SwitchChanMode mode;
    bool lacp_active; /* LACP: active (true) or passive */
    bool lacp_fast;   /* LACP: ask the partner for fast LACPDUs (our Timeout bit) */
    SwitchHash hash;
} SwitchChanConfig;

typedef struct {
    char name[16]; /* "po1" */
    SwitchChanConfig cfg;
    int n_members;
    int16_t members[SWITCH_MAX_MEMBERS]; /* port indices (0-based), ascending */
    int n_active;                        /* members that carry frames now */
    int16_t active[SWITCH_MAX_MEMBERS];  /* their port indices, ascending */
    bool dirty;                          /* active[] must be rebuilt before use */
    int last_n_active;                   /* -1 until first built: a change is commented */
    const char *remap_note;              /* for the next frame out of the channel, or NULL */
    uint64_t remaps;                     /* changes of active[] after the first */
    /* LACP channels only: */
    struct LacpSystem *lacp;                   /* owned; LACP port i is members[i] */
    const char *lacp_note[SWITCH_MAX_MEMBERS]; /* for the member's next LACPDU */
    Sim *sim;                                  /* for the LACP callbacks */
    Switch *sw;
} SwitchChannel;

typedef struct {
    uint64_t key; /* MAC + 1 (0 = empty slot) */
    int16_t port; /* -1 = flushed; SWITCH_CHANNEL_ID(c) for a channel */
    uint64_t seen_ps;
} FdbEntry;

typedef struct {
    uint64_t flooded;             /* frames flooded out of this port */
    uint64_t forwarded;           /* frames sent out of this port as known unicast */
    uint64_t mac_moves_in;        /* MACs that moved to this port */
    uint64_t filtered;            /* frames dropped: destination behind the ingress port */
    uint64_t link_local_consumed; /* 01:80:c2:00:00:0x frames taken at ingress */
    uint64_t lacp_not_collecting; /* LACP member: data frames dropped, not collecting */
} SwitchPortCounters;

/* Why a cloud virtual switch dropped a frame (names: switch_vs_drop_names). */
typedef enum {
    SWITCH_VS_SRC_MAC = 0, /* "src-mac-not-bound": source MAC is not the port's vNIC MAC */
    SWITCH_VS_SRC_IP,      /* "src-ip-not-bound": IPv4 source / ARP sender not bound */
    SWITCH_VS_DST,         /* "dst-not-bound": destination not bound to the port it leaves on */
    SWITCH_VS_LACP,        /* "lacp-not-supported": slow-protocol frame (LACPDU, marker) */
    SWITCH_VS_DROP_COUNT
} SwitchVsDrop;

extern const char *const switch_vs_drop_names[SWITCH_VS_DROP_COUNT];

#define SWITCH_VS_MAX_IPS 4

/* What the provider binds to one port: its vNIC's MAC and addresses. A
 * trusted port (uplink, gateway, another switch) is not checked. */
typedef struct {
    bool trusted;
    bool has_mac; /* false: every source MAC is refused */
    uint8_t mac[6];
    int n_ip;
    uint8_t ip[SWITCH_VS_MAX_IPS][4];
} SwitchBinding;

/* A provider's rules (sim/cloud.c holds the presets). */
typedef struct {
    const char *name;                       /* "aws" */
    bool src_mac, src_ip;                   /* source checks */
    bool dst_mac, dst_ip;                   /* destination checks */
    bool no_lacp;                           /* slow-protocol frames are dropped */
    const char *term[SWITCH_VS_DROP_COUNT]; /* the provider's own name for each drop */
} SwitchVsProfile;

/* A switch's cloud mode: bindings, drop counters, drop streaks. */
typedef struct {
    const SwitchVsProfile *profile; /* borrowed, static */
    SwitchBinding bind[SWITCH_MAX_PORTS];
    uint64_t drops[SWITCH_MAX_PORTS][SWITCH_VS_DROP_COUNT];
    int8_t streak[SWITCH_MAX_PORTS]; /* reason of the port's drop streak, -1: none */
    /* bound MAC -> port, open addressing (linear probing), built from bind[]
     * at the first lookup: bindings do not change once the scenario is
     * loaded. Slot value: port + 1, 0 = empty. */
    bool bound_index_ready;
    uint64_t bound_key[2 * SWITCH_MAX_PORTS];
    int16_t bound_port[2 * SWITCH_MAX_PORTS];
} SwitchVswitch;

struct Switch {
    char *name;
    int ordinal;                  /* creation order in the Sim (MACs, LACP port numbers) */
    Nic *ports[SWITCH_MAX_PORTS]; /* owned; port i is named port<i+1> */
    SwitchPortCounters pc[SWITCH_MAX_PORTS];
    int n_ports;
    uint64_t aging_ps;
    FdbEntry fdb[SWITCH_FDB_SIZE];
    int fdb_used;                       /* slots holding a key (aged or flushed ones too) */
    uint64_t fdb_recheck_ps;            /* a full table cannot free a slot before this */
    uint64_t fdb_full;                  /* sources not learned: table full */
    uint64_t mac_moves;                 /* total flaps */
    uint64_t flood_frames;              /* frames that had to be flooded */
    int16_t chan_of[SWITCH_MAX_PORTS];  /* channel of each port, -1: none */
    int8_t member_of[SWITCH_MAX_PORTS]; /* index in its channel's members[], -1: none */
    SwitchChannel chan[SWITCH_MAX_CHANNELS];
    int n_chan;
    uint8_t lacp_system[6]; /* actor system of every LACP channel */
    uint16_t lacp_sys_prio;
    Timer lacp_timer;  /* AD tick, armed with the first LACP channel */
    bool lacp_open;    /* the first tick ran (machines opened, links read) */
    SwitchVswitch *vs; /* owned; NULL: a learning bridge (no cloud checks) */
};

/* A switch with `n_ports` ports of `speed_bps`. Caller owns it. */
Switch *switch_new(Sim *sim, const char *name, int n_ports, uint64_t speed_bps, uint64_t aging_ps);
void switch_free(Switch *sw);
/* Port by 1-based number, or NULL. */
Nic *switch_port(Switch *sw, int number);

/* For tests: where a MAC is learned now: a port (0-based),
 * SWITCH_CHANNEL_ID(c) for a channel, or -1. */
int switch_fdb_lookup(const Switch *sw, const uint8_t mac[6], uint64_t now_ps);

/* Bundles `ports` (1-based numbers, n >= 1) into channel `name`. Refused
 * (FALSE, `error` set, switch unchanged) when a port does not exist, is
 * given twice or is already in a channel, when there are too many members
 * or channels, or when the name is taken. Call while building, at time 0:
 * an LACP channel arms the switch's AD timer, whose first tick (at 0)
 * opens the machines and reads the members' links. */
gboolean switch_add_channel(Sim *sim, Switch *sw, const char *name, const int *ports, int n,
                            const SwitchChanConfig *cfg, GError **error);

/* The LACP actor system of this switch's LACP channels (default: priority
 * 32768, MAC 02:5e:00:<ordinal>:00:00). Two switches given one identity
 * present one system to a bond: MC-LAG. Call before adding LACP channels. */
void switch_set_lacp_system(Switch *sw, uint16_t prio, const uint8_t mac[6]);

/* The channel index of port `number` (1-based), or -1. */
int switch_port_channel(const Switch *sw, int number);

/* The switch's hash of one frame (`len` readable bytes from the Ethernet
 * header), before the modulo: pure, bounds-checked. */
uint32_t switch_hash(SwitchHash hash, const uint8_t *frame, uint32_t len);

/* Names as the scenario writes them ("src-dst-ip"); parse returns FALSE
 * and leaves `*out` alone for an unknown name. */
const char *switch_hash_name(SwitchHash hash);
gboolean switch_hash_parse(const char *s, SwitchHash *out);

/* Whether `dst` is an IEEE 802.1D reserved link-local group
 * (01:80:c2:00:00:00 to 0f), which no bridge forwards. */
bool switch_mac_is_link_local(const uint8_t dst[6]);

/* ---- cloud virtual switch ---- */

/* Turns `sw` into a cloud virtual switch under `profile` (static, not
 * copied). Every port starts bound to nothing (every frame from it is
 * refused) until switch_vs_bind. Refused when the switch has port-channels
 * (a cloud vSwitch has none). Call while building. */
gboolean switch_set_vswitch(Switch *sw, const SwitchVsProfile *profile, GError **error);

/* Binds port `number` (1-based); `b` is copied. */
void switch_vs_bind(Switch *sw, int number, const SwitchBinding *b);

/* Frames port `number` dropped for `reason` (0 on a plain switch). */
uint64_t switch_vs_drops(const Switch *sw, int number, SwitchVsDrop reason);

#endif

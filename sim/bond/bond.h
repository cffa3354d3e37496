/* bond.h - the bonding driver: what every mode shares.
 *
 * A Bond is the `bondN` interface of a host over slave NICs. bond.c keeps the
 * slave list (enslave order decides every "first"), the bond MAC and slave
 * MACs, the active slave, the per-slave link state of the monitors, the
 * receive filter of inactive slaves, bond carrier and peer notifications;
 * each mode_*.c provides a BondModeOps table for transmit choice and its
 * reactions to link changes. monitor_mii.c runs the MII monitor.
 * Behaviour follows ../shared/reference/linux-bonding.md (section numbers
 * cited beside the code); no kernel code is copied.
 */
#ifndef BONDSIM_BOND_BOND_H
#define BONDSIM_BOND_BOND_H

#include <stdbool.h>
#include <stdint.h>

#include "bond/options.h"
#include "engine.h"
#include "frame.h"
#include "nic.h"

typedef struct Sim Sim;
typedef struct Host Host;
typedef struct Iface Iface;
typedef struct Bond Bond;
typedef struct Slave Slave;

#define BOND_MAX_SLAVES 16

/* Per-slave link state of the monitors (reference 1.1). */
typedef enum {
    SLAVE_LINK_UP = 0,
    SLAVE_LINK_FAIL, /* going down: downdelay running */
    SLAVE_LINK_DOWN,
    SLAVE_LINK_BACK, /* going back: updelay running */
} SlaveLink;

extern const char *const slave_link_names[4];

struct Slave {
    Bond *bond;
    Nic *nic;
    int index; /* enslave order */
    SlaveLink link;
    int delay;           /* ticks left of updelay/downdelay */
    bool backup;         /* may not transmit */
    bool inactive;       /* receive filter on */
    int32_t prio;        /* per-slave prio (modes 1/5/6) */
    uint8_t perm_mac[6]; /* MAC at enslave, restored at release */
    uint64_t link_failure_count;
    uint64_t last_link_up_ps;
    uint64_t rx_dropped_inactive; /* frames filtered on this slave */
    uint64_t tx_frames, tx_bytes; /* handed to this slave by the bond */
    bool rx_drop_noted;           /* an inactive-filter drop was commented */
    bool carrier_seen;            /* carrier as of the last event the bond saw */
    /* ARP monitor (monitor_arp.c): stamps in jiffies, signed because the
     * enslave stamps lie before the bond opens at jiffy 0 (6.2) */
    int64_t arp_last_rx;                         /* raw last_rx */
    int64_t arp_last_tx;                         /* last probe sent */
    int64_t arp_target_rx[BOND_MAX_ARP_TARGETS]; /* target_last_arp_rx[] */
    uint8_t arp_noted_state; /* link/role of the last commented probe, 0 = none */
};

typedef enum {
    BOND_DROP_NO_SLAVE = 0, /* no slave could transmit */
    BOND_DROP_SLAVE_TX,     /* the chosen slave refused it (no carrier, queue full) */
    BOND_DROP_INACTIVE_RX,  /* received on an inactive slave */
    BOND_DROP_COUNT
} BondDrop;

extern const char *const bond_drop_names[BOND_DROP_COUNT];

typedef struct {
    const char *name;
    /* Chooses the slave for `f`, or NULL to drop. May rewrite the frame (ALB
     * sets the source MAC of balanced frames). */
    Slave *(*select_tx)(Sim *sim, Bond *bond, Frame *f);
    /* Called after the monitor committed a slave UP or DOWN. */
    void (*link_changed)(Sim *sim, Bond *bond, Slave *s, SlaveLink old_link);
    /* Called when a slave's carrier changes (before any monitor tick). */
    void (*carrier_changed)(Sim *sim, Bond *bond, Slave *s, bool up);
    /* Optional: called at the end of bond_open (start mode timers, set MACs). */
    void (*open)(Sim *sim, Bond *bond);
    /* Optional: frees bond->mode_priv. */
    void (*free)(Bond *bond);
    /* Optional: sees every received frame first, on active and inactive
     * slaves alike (1.4 step 1: ARP monitor validation, LACPDUs, ALB ARP
     * snooping). Returns true when it consumed (and freed) the frame. */
    bool (*rx_hook)(Sim *sim, Bond *bond, Slave *s, Frame *f);
    /* Optional: the active slave changed (TLB/ALB MAC swap, 8.x/9.x). */
    void (*active_changed)(Sim *sim, Bond *bond, Slave *old_active, Slave *new_active);
    /* Whether select_tx rewrites frame bytes (TLB/ALB source MAC, ARP sender):
     * bond_xmit then keeps a copy of the frame as the stack handed it, so the
     * bond's own capture shows what tcpdump on bond0 shows. */
    bool rewrites_tx;
    /* Whether this mode has an active slave (modes 1/5/6). */
    bool uses_primary;
    /* Whether the mode keeps the usable array of 1.3 (xor, 802.3ad, and TLB/ALB
     * with tlb_dynamic_lb=0); it also decides ignore_updelay (6.1). */
    bool uses_usable;
    /* Whether an inactive slave still delivers unicast frames (ALB, 1.4). */
    bool inactive_rx_unicast;
    /* Optional, with uses_usable: an extra condition for the usable array
     * beyond can_tx (802.3ad: the slave is a port of the active aggregator). */
    bool (*slave_usable)(const Bond *bond, const Slave *s);
    /* Optional: bond carrier by the mode's own rule (802.3ad, 1.2: an active
     * aggregator with >= min_links link-up ports) instead of "any slave UP". */
    bool (*carrier_on)(const Bond *bond);
} BondModeOps;

extern const BondModeOps bond_mode_rr_ops;
extern const BondModeOps bond_mode_ab_ops;
extern const BondModeOps bond_mode_xor_ops;
extern const BondModeOps bond_mode_bcast_ops;
extern const BondModeOps bond_mode_tlb_ops;    /* mode_tlb.c */
extern const BondModeOps bond_mode_alb_ops;    /* mode_alb.c */
extern const BondModeOps bond_mode_8023ad_ops; /* mode_8023ad.c */
/* 802.3ad (mode_8023ad.c): the bond's LACP system once the bond is open
 * (borrowed; NULL before), and per slave the time from its last link-up to
 * entering collecting+distributing (0 = not yet). */
struct LacpSystem;
struct LacpSystem *bond_8023ad_lacp(const Bond *bond);
uint64_t bond_8023ad_cd_time_ps(const Bond *bond, const Slave *s);

struct Bond {
    Sim *sim;
    Host *host;
    Iface *iface;       /* the bond's L3 interface */
    char name[16];      /* "bond0" */
    char full_name[48]; /* "server/bond0" */
    BondParams p;
    const BondModeOps *ops;
    Slave slaves[BOND_MAX_SLAVES];
    int n_slaves;
    uint8_t mac[6];
    bool mac_set; /* bond MAC chosen */
    bool up;      /* bond device open */
    bool carrier;
    Slave *curr_active;
    Slave *primary;
    bool force_primary;
    /* MII monitor */
    Timer mii_timer;
    uint64_t mii_tick_ps; /* real tick length: (msecs_to_jiffies(miimon)+1) jiffies */
    int updelay_ticks, downdelay_ticks;
    /* Peer notification (reference 5.3) */
    int peer_notif_delay_ticks; /* D' */
    int send_peer_notif;        /* counter */
    const char *pending_note;   /* comment for the next frame the bond sends */
    bool no_slave_noted;        /* a no-slave drop was commented since the last send */
    /* the usable array of 1.3, list order; rebuilt by bond_update_usable */
    Slave *usable[BOND_MAX_SLAVES];
    int n_usable;
    void *mode_priv; /* the mode's own state, freed by ops->free */
    /* transmit scratch: select_tx may name extra slaves that get a clone
     * after the bond's capture (broadcast), and rewriting modes keep the
     * frame as handed down by the stack for that capture */
    Slave *tx_copies[BOND_MAX_SLAVES];
    int n_tx_copies;
    uint8_t tx_snapshot[1536];
    /* balance-rr */
    uint32_t rr_counter;
    GRand *rng;
    uint64_t drops[BOND_DROP_COUNT];
    uint64_t failovers;
    /* ARP monitor (monitor_arp.c) */
    Timer arp_timer;
    uint64_t arp_tick_ps;     /* real tick length, as mii_tick_ps */
    int64_t arp_delta_j;      /* d = msecs_to_jiffies(arp_interval) */
    Slave *current_arp_slave; /* AB without an active slave: the probing candidate */
};

/* Creates bond `name` on `host` with parsed options. The caller adds the
 * slaves with bond_enslave in order, then calls bond_open. Owned by the host
 * iface (freed with bond_free). */
Bond *bond_new(Sim *sim, Host *host, const char *name, const BondParams *p);
void bond_free(Bond *bond);
/* Enslaves a NIC (while the bond is down). */
Slave *bond_enslave(Sim *sim, Bond *bond, Nic *nic, int32_t prio);
/* Opens the bond at the current time: starts the monitor. */
void bond_open(Sim *sim, Bond *bond);

/* Transmit entry from the stack; takes ownership of the frame. */
void bond_xmit(Sim *sim, Bond *bond, Frame *f);

/* Whether a slave may transmit: live carrier, link UP, not backup (1.1). */
bool bond_slave_can_tx(const Slave *s);

/* Active-backup selection (5.1) and change (5.2); `reason` goes into the
 * failover comment ("carrier", "primary", ...). */
void bond_select_active(Sim *sim, Bond *bond, const char *reason);
void bond_change_active(Sim *sim, Bond *bond, Slave *new_active, const char *reason);
/* Rebuilds the usable array (1.3) when the mode keeps one. Called on every
 * link commit, carrier event, active change and at open. */
void bond_update_usable(Bond *bond);
/* Why the active slave must be chosen again after a monitor committed `s`
 * UP (5.1: no active, `s` is the primary, or its prio exceeds the active's),
 * as a failover reason; NULL when no reselection is due. Both monitors. */
const char *bond_up_reselect_reason(const Bond *bond, const Slave *s);
/* Recomputes bond carrier (1.2). */
void bond_update_carrier(Sim *sim, Bond *bond);
/* Sends one peer notification round: a gratuitous ARP per address. */
void bond_send_peer_notify(Sim *sim, Bond *bond);
/* Marks the slave active / backup for tx and the receive filter. */
void bond_set_slave_active(Bond *bond, Slave *s);
void bond_set_slave_backup(Bond *bond, Slave *s);

/* Queues a capture comment for the next frame the bond sends (several queued
 * notes become several comments). */
void bond_note(Sim *sim, Bond *bond, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

/* MII monitor (monitor_mii.c). The kernel's msecs_to_jiffies (rounding up)
 * and the real tick length of a monitor with that interval (both monitors). */
uint64_t bond_msecs_to_jiffies(uint32_t ms, uint32_t hz);
uint64_t bond_monitor_tick_ps(uint32_t interval_ms, uint32_t hz);
void bond_mii_start(Sim *sim, Bond *bond);
void bond_mii_tick(Sim *sim, void *obj, void *arg);

/* ARP monitor (monitor_arp.c): reference 6.2. bond_open starts it instead of
 * the MII monitor when arp_interval is set; bond_slave_rx hands it every
 * received frame first (1.4 step 1), inactive slaves included. */
void bond_arp_start(Sim *sim, Bond *bond);
void bond_arp_tick(Sim *sim, void *obj, void *arg);
void bond_arp_rx(Sim *sim, Bond *bond, Slave *s, const Frame *f);
/* The kernel's jiffies at time `t_ps` (the bond opens at jiffy 0). */
int64_t bond_jiffies(const Sim *sim, uint64_t t_ps);

#endif

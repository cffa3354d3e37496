/* tlb.h - balance-tlb (mode 5) and balance-alb (mode 6): the state and the
 * machinery the two modes share (reference sections 8 and 9).
 *
 * mode_tlb.c owns the transmit table, the load accounting, the 100 ms TLB/ALB
 * tick (rebalance, learning packets), the slave MAC rules and the hardware
 * receive filter; mode_alb.c adds receive load balancing (RLB): the client
 * table, ARP steering and snooping, client updates. bond.c calls
 * bond_lb_enslave_mac() at enslave; everything else runs behind the two
 * BondModeOps tables. The state is one BondLb in Bond.mode_priv (public so
 * that tests and the summary can read it; written only by these two files).
 *
 * Units: loads are bytes per second over the 10 s rebalance interval, as the
 * kernel keeps them (u32, wrapping as the kernel's do). Slave indices are
 * enslave order (Slave.index).
 */
#ifndef BONDSIM_BOND_TLB_H
#define BONDSIM_BOND_TLB_H

#include <stdbool.h>
#include <stdint.h>

#include "bond/bond.h"

#define TLB_TABLE_SIZE 256          /* indexed by one byte of hash */
#define LB_TICKS_PER_S 10           /* the TLB/ALB tick: 100 ms nominal */
#define TLB_REBALANCE_INTERVAL_S 10 /* load_history = 1 + tx_bytes / this */
#define TLB_REBALANCE_TICKS (TLB_REBALANCE_INTERVAL_S * LB_TICKS_PER_S)
#define RLB_TABLE_SIZE 256            /* indexed by the XOR of the client IPv4 bytes */
#define RLB_UPDATE_DELAY_TICKS 20     /* 2 s: rounds are this + 1 ticks apart */
#define RLB_ARP_BURST 2               /* ARP replies per client update */
#define RLB_UPDATE_RETRY 3            /* extra rounds after a failure or MAC swap */
#define RLB_PROMISC_TIMEOUT_TICKS 100 /* 10 s of promiscuity on the active */
#define RLB_NONE (-1)                 /* end of the client list */
#define LB_ETH_P_LOOPBACK 0x9000      /* learning packets */

/* One destination of the transmit table (tlb_client_info). */
typedef struct {
    Slave *slave;          /* assigned slave, NULL: chosen by the next frame */
    uint32_t tx_bytes;     /* bytes sent to it since the last rebalance */
    uint32_t load_history; /* 1 + tx_bytes / 10 of the last interval it was cleared in */
} TlbEntry;

/* One client of the receive table (rlb_client_info); VLANs not modelled. */
typedef struct {
    uint8_t server_ip[4];  /* this host's address the client talks to */
    uint8_t client_ip[4];  /* the client (its XOR is the index) */
    uint8_t server_mac[6]; /* ARP sender MAC of the frame that made the entry */
    uint8_t client_mac[6]; /* zero until a reply shows it */
    Slave *slave;          /* the slave whose MAC the client is told */
    int used_next;         /* list of assigned entries, newest first */
    int used_prev;
    bool assigned;
    bool ntt; /* needs an update (two ARP replies) */
} RlbClient;

/* Per-slave state and counters (tlb_slave_info plus bondsim's counters). */
typedef struct {
    uint32_t load;            /* bytes/s expected on it: sum of its entries' load_history */
    uint64_t tlb_assignments; /* transmit-table entries given to it */
    uint64_t rlb_assignments; /* clients given to it (ARP steering, rebalance, failover) */
    uint64_t rlb_updates;     /* ARP update replies sent on it */
    uint64_t lp_sent;         /* learning packets sent on it */
    uint64_t rx_filtered;     /* unicast frames its receive filter dropped */
} LbSlave;

typedef struct BondLb {
    bool rlb;         /* balance-alb: receive load balancing on */
    Timer timer;      /* the TLB/ALB tick */
    uint64_t tick_ps; /* real tick: HZ/10 jiffies + 1 */
    uint64_t ticks;   /* ticks run */
    /* TLB */
    TlbEntry tx[TLB_TABLE_SIZE];
    uint32_t unbalanced_load; /* bytes sent outside the table this interval */
    int rebalance_counter;
    uint64_t lp_counter, lp_ticks;
    LbSlave slave[BOND_MAX_SLAVES];
    uint64_t rebalances; /* periodic rebalances run */
    uint64_t mac_swaps;  /* slave MAC swaps at active changes */
    /* RLB */
    RlbClient rx[RLB_TABLE_SIZE];
    int used_head;
    bool rx_ntt;        /* some client needs an update */
    bool rlb_rebalance; /* re-assign every client at the next tick */
    Slave *rx_slave;    /* the last slave given to a client (round-robin) */
    Slave *promisc;     /* the active slave made promiscuous, or NULL */
    int promisc_counter;
    int update_delay; /* ticks before the next update round */
    int update_retry; /* rounds still to repeat */
    uint64_t update_rounds;
} BondLb;

/* The state of a TLB/ALB bond (NULL for other modes, or before the first
 * enslave); borrowed. */
BondLb *bond_lb(const Bond *bond);

/* Enslave-time MACs (1.5, 8, 9): the slave gets its permanent MAC (in TLB
 * only as the source of its frames; its receive filter keeps the bond MAC),
 * or, when that is in use in the bond, the permanent MAC of another slave
 * that no slave uses. Creates the state and orders a rebalance. Called by
 * bond_enslave() for modes 5 and 6, after the generic MAC rule. */
void bond_lb_enslave_mac(Bond *bond, Slave *s);

/* Transmit-table entries and clients currently on slave `s`. */
int bond_lb_slave_dests(const Bond *bond, const Slave *s);
int bond_lb_slave_clients(const Bond *bond, const Slave *s);

/* ---- shared by mode_tlb.c and mode_alb.c ----------------------------------- */

/* The state, created on first use (TLB/ALB bonds only); borrowed. */
BondLb *bond_lb_state(Bond *bond);
/* The frame length the kernel counts (skb->len: before padding to 60). */
uint32_t bond_lb_frame_len(const Frame *f);
/* The slave whose current MAC is `mac` (other than `skip`), or NULL. */
Slave *bond_lb_slave_with_mac(Bond *bond, const uint8_t mac[6], const Slave *skip);
/* The slave's speed as the kernel keeps it (u32 Mb/s of the link). */
uint32_t bond_lb_speed_mbps(const Slave *s);
/* tlb_choose_channel: the slave of table entry `idx`, assigning the least
 * loaded slave able to transmit when it has none; adds `len` to the entry. */
Slave *bond_lb_choose_channel(Bond *bond, uint32_t idx, uint32_t len);
/* The slave of usable[hash % count] (tlb_dynamic_lb=0), or NULL. */
Slave *bond_lb_hash_slave(Bond *bond, const Frame *f);
/* The common end of a TLB/ALB transmit: NULL `tx` means the active slave
 * (counted as unbalanced load); a slave that cannot transmit drops the frame
 * and loses its table entries; a frame leaving on another slave than the
 * active gets that slave's MAC as source. Returns the slave, or NULL. */
Slave *bond_lb_xmit_on(Bond *bond, Frame *f, Slave *tx, uint32_t len);
/* Clears the table entries of `s` (saving their load when `save_load`). */
void bond_lb_clear_slave(BondLb *lb, const Slave *s, bool save_load);
/* A learning packet (60 bytes, dst = src = `mac`, type 0x9000) on `s`,
 * bypassing the bond; `note` (may be NULL) becomes its capture comment. */
void bond_lb_send_learning(Sim *sim, Bond *bond, Slave *s, const uint8_t mac[6], const char *note);

/* The hooks both modes use (mode_tlb.c). */
void bond_lb_open(Sim *sim, Bond *bond);
void bond_lb_free(Bond *bond);
void bond_lb_link_changed(Sim *sim, Bond *bond, Slave *s, SlaveLink old_link);
void bond_lb_active_changed(Sim *sim, Bond *bond, Slave *old_active, Slave *new_active);
bool bond_lb_rx_hook(Sim *sim, Bond *bond, Slave *s, Frame *f);

/* RLB parts (mode_alb.c) called from the shared code. */
void bond_alb_tick(Sim *sim, Bond *bond);
void bond_alb_clear_slave(Sim *sim, Bond *bond, Slave *s);
void bond_alb_update_slave_clients(Bond *bond, const Slave *s);
void bond_alb_teach_mac(Sim *sim, Bond *bond, const uint8_t mac[6]);
void bond_alb_arp_recv(Sim *sim, Bond *bond, const Frame *f);

#endif

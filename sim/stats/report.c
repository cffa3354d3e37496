/* report.c - summary tables and JSON of a finished run (see report.h). */
#include "stats/report.h"

#include <glib/gstdio.h>
#include <string.h>

#include "bond/bond.h"
#include "cloud.h"
#include "host.h"
#include "lacp/lacp.h"
#include "nat.h"
#include "stats/budget.h"
#include "stats/csv.h"
#include "stats/json.h"
#include "stats/plot.h"
#include "stats/reorder.h"
#include "stats/series.h"
#include "stats/table.h"
#include "switch.h"
#include "traffic/echo.h"
#include "traffic/flow.h"
#include "traffic/replay.h"
#include "traffic/tcp.h"
#include "util/units.h"

#define fault_kind_names sim_fault_kind_names

/* The reaction to a fault: for lacp-block, the port's LACP expiry (its
 * partner's LACPDUs stopped); for lacp-unblock, the port back in
 * collecting+distributing; else a slave committed down or up or a failover. */
static gboolean detection_event(const SimFault *ft, const SimEvent *ev)
{
    switch (ft->kind) {
    case SIM_FAULT_LACP_BLOCK:
        return ev->kind == SIM_EV_LACP_EXPIRED && strcmp(ev->subject, ft->nic->name) == 0;
    case SIM_FAULT_LACP_UNBLOCK:
        return ev->kind == SIM_EV_LACP_CD_ON && strcmp(ev->subject, ft->nic->name) == 0;
    default:
        return ev->kind == SIM_EV_SLAVE_DOWN || ev->kind == SIM_EV_SLAVE_UP ||
               ev->kind == SIM_EV_FAILOVER;
    }
}

uint64_t report_detection_ps(const Sim *sim, guint fault)
{
    const SimFault *ft = &g_array_index(sim->faults, SimFault, fault);
    uint64_t until = fault + 1 < sim->faults->len
                         ? g_array_index(sim->faults, SimFault, fault + 1).at_ps
                         : sim->end_ps + 1;
    for (guint i = 0; i < sim->events->len; i++) {
        const SimEvent *ev = &g_array_index(sim->events, SimEvent, i);
        if (ev->time_ps < ft->at_ps || ev->time_ps >= until)
            continue;
        if (detection_event(ft, ev))
            return ev->time_ps - ft->at_ps;
    }
    return G_MAXUINT64;
}

/* ---- LACP ------------------------------------------------------------------ */

gboolean report_has_lacp(const Sim *sim)
{
    for (guint i = 0; i < sim->bonds->len; i++)
        if (((const Bond *)sim->bonds->pdata[i])->ops == &bond_mode_8023ad_ops)
            return TRUE;
    for (guint i = 0; i < sim->switches->len; i++) {
        const Switch *sw = sim->switches->pdata[i];
        for (int c = 0; c < sw->n_chan; c++)
            if (sw->chan[c].lacp)
                return TRUE;
    }
    return FALSE;
}

char *report_lacp_flags(uint8_t state, char out[9])
{
    static const char letter[8] = {'A', 'S', 'G', 'S', 'C', 'D', 'F', 'E'};
    for (int bit = 7; bit >= 0; bit--)
        out[7 - bit] = state & (1u << bit) ? letter[bit] : '*';
    out[8] = '\0';
    return out;
}

static uint64_t lacp_markers_tx(const LacpPortStats *st)
{
    return st->marker_tx + st->marker_resp_tx;
}

static uint64_t lacp_markers_rx(const LacpPortStats *st)
{
    return st->marker_rx + st->marker_resp_rx;
}

/* Each table below renders its text into `out` and its CSV (csv.h) into
 * `csv`, either being NULL when not wanted: one pass over the same figures
 * for both. CSV column names are stats.json's keys where it has the figure,
 * in its units (_s: seconds, _bytes, _mbps, ratios 0..1). */

/* The end of every table function: renders the table when text was asked
 * for (out) and frees the CSV writer (NULL when no CSV was). */
static void report_part_end(Table *t, GString *out, Csv *v)
{
    if (t)
        table_render_free(t, out);
    csv_free(v);
}

static void table_lacp(const Sim *sim, GString *out, GString *csv)
{
    static const char *const hdr[] = {"port",          "bond",       "aggregator", "actor state",
                                      "partner state", "up -> C+D",  "LACPDU tx",  "LACPDU rx",
                                      "markers tx",    "markers rx", "blocked",    NULL};
    static const char *const cols[] = {"name",
                                       "bond",
                                       "aggregator",
                                       "in_active_aggregator",
                                       "actor_state",
                                       "actor_state_flags",
                                       "partner_state",
                                       "partner_state_flags",
                                       "link_up_to_distributing_s",
                                       "lacpdu_tx",
                                       "lacpdu_rx",
                                       "markers_tx",
                                       "markers_rx",
                                       "lacp_blocked_rx",
                                       NULL};
    Csv *v = csv ? csv_new(csv, cols) : NULL;
    Table *t =
        !out ? NULL
             : table_new("LACP (states as Wireshark's flags, bit 7 to 0: Expired, deFaulted, "
                         "Distributing, Collecting, Sync, aGgregation, Short timeout, Active; "
                         "* = off; aggregator: id, + = the bond's active one)",
                         hdr);
    for (guint i = 0; i < sim->bonds->len; i++) {
        const Bond *b = sim->bonds->pdata[i];
        if (b->ops != &bond_mode_8023ad_ops || !bond_8023ad_lacp(b))
            continue;
        const LacpSystem *l = bond_8023ad_lacp(b);
        for (int j = 0; j < b->n_slaves; j++) {
            const Slave *s = &b->slaves[j];
            const LacpPortStats *st = lacp_port_stats(l, j);
            uint8_t as = lacp_port_actor_state(l, j), ps = lacp_port_partner_state(l, j);
            char af[9], pf[9], cd[32];
            report_lacp_flags(as, af);
            report_lacp_flags(ps, pf);
            uint64_t cd_ps = bond_8023ad_cd_time_ps(b, s);
            if (cd_ps)
                units_format_time(cd_ps, cd, sizeof(cd));
            else
                g_strlcpy(cd, "-", sizeof(cd));
            if (t)
                table_addf(t,
                           "%s\t%s\t%d%s\t0x%02x %s\t0x%02x %s\t%s\t%" G_GUINT64_FORMAT
                           "\t%" G_GUINT64_FORMAT "\t%" G_GUINT64_FORMAT "\t%" G_GUINT64_FORMAT
                           "\t%" G_GUINT64_FORMAT,
                           s->nic->name, b->name, lacp_port_aggregator(l, j),
                           lacp_port_in_active_agg(l, j) ? "+" : "", as, af, ps, pf, cd,
                           st->lacpdu_tx, st->lacpdu_rx, lacp_markers_tx(st), lacp_markers_rx(st),
                           sim_lacp_blocked_frames(sim, s->nic));
            if (v) {
                char hex[8];
                csv_str(v, s->nic->name);
                csv_str(v, b->full_name);
                csv_int(v, lacp_port_aggregator(l, j));
                csv_bool(v, lacp_port_in_active_agg(l, j));
                g_snprintf(hex, sizeof(hex), "0x%02x", as);
                csv_str(v, hex);
                csv_str(v, af);
                g_snprintf(hex, sizeof(hex), "0x%02x", ps);
                csv_str(v, hex);
                csv_str(v, pf);
                if (cd_ps)
                    csv_secs(v, cd_ps);
                else
                    csv_empty(v);
                csv_u64(v, st->lacpdu_tx);
                csv_u64(v, st->lacpdu_rx);
                csv_u64(v, lacp_markers_tx(st));
                csv_u64(v, lacp_markers_rx(st));
                csv_u64(v, sim_lacp_blocked_frames(sim, s->nic));
                csv_end_row(v);
            }
        }
    }
    report_part_end(t, out, v);
}

static gboolean member_active(const Switch *sw, const SwitchChannel *ch, int m);
static int channel_n_active(const Switch *sw, const SwitchChannel *ch);

static void table_channels(const Sim *sim, GString *out, GString *csv)
{
    static const char *const hdr[] = {"channel",
                                      "mode",
                                      "members",
                                      "active",
                                      "remaps",
                                      "link-local consumed",
                                      "not collecting",
                                      "LACPDU tx/rx per member",
                                      NULL};
    static const char *const cols[] = {"switch",
                                       "name",
                                       "mode",
                                       "lacp",
                                       "n_members",
                                       "n_active",
                                       "remaps",
                                       "link_local_consumed",
                                       "not_collecting_dropped",
                                       "lacpdu_tx",
                                       "lacpdu_rx",
                                       NULL};
    Csv *v = csv ? csv_new(csv, cols) : NULL;
    Table *t = !out ? NULL
                    : table_new("Port-channels (not collecting: data frames dropped on a member "
                                "that is not collecting)",
                                hdr);
    for (guint i = 0; i < sim->switches->len; i++) {
        const Switch *sw = sim->switches->pdata[i];
        for (int c = 0; c < sw->n_chan; c++) {
            const SwitchChannel *ch = &sw->chan[c];
            uint64_t consumed = 0, notcoll = 0, pdu_tx = 0, pdu_rx = 0;
            GString *pdus = g_string_new(NULL);
            for (int m = 0; m < ch->n_members; m++) {
                int p = ch->members[m];
                consumed += sw->pc[p].link_local_consumed;
                notcoll += sw->pc[p].lacp_not_collecting;
                if (ch->lacp) {
                    const LacpPortStats *st = lacp_port_stats(ch->lacp, m);
                    pdu_tx += st->lacpdu_tx;
                    pdu_rx += st->lacpdu_rx;
                    g_string_append_printf(pdus,
                                           "%sport%d %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT,
                                           m ? ", " : "", p + 1, st->lacpdu_tx, st->lacpdu_rx);
                }
            }
            const char *mode = ch->cfg.mode == SWITCH_CHAN_STATIC ? "static"
                               : ch->cfg.lacp_active              ? "lacp active"
                                                                  : "lacp passive";
            if (t)
                table_addf(t,
                           "%s/%s\t%s\t%d\t%d\t%" G_GUINT64_FORMAT "\t%" G_GUINT64_FORMAT
                           "\t%" G_GUINT64_FORMAT "\t%s",
                           sw->name, ch->name, mode, ch->n_members, channel_n_active(sw, ch),
                           ch->remaps, consumed, notcoll, pdus->len ? pdus->str : "-");
            g_string_free(pdus, TRUE);
            if (v) {
                csv_str(v, sw->name);
                csv_str(v, ch->name);
                csv_str(v, ch->cfg.mode == SWITCH_CHAN_STATIC ? "static" : "lacp");
                csv_str(v, !ch->lacp ? NULL : ch->cfg.lacp_active ? "active" : "passive");
                csv_int(v, ch->n_members);
                csv_int(v, channel_n_active(sw, ch));
                csv_u64(v, ch->remaps);
                csv_u64(v, consumed);
                csv_u64(v, notcoll);
                if (ch->lacp) {
                    csv_u64(v, pdu_tx);
                    csv_u64(v, pdu_rx);
                } else {
                    csv_empty(v);
                    csv_empty(v);
                }
                csv_end_row(v);
            }
        }
    }
    report_part_end(t, out, v);
}

/* Whether channel member m carries frames now: the switch's own rule
 * (carrier, and collecting+distributing in an LACP channel), read fresh:
 * the channel's active[] is rebuilt lazily, at its next frame. */
static gboolean member_active(const Switch *sw, const SwitchChannel *ch, int m)
{
    return nic_carrier(sw->ports[ch->members[m]]) &&
           (!ch->lacp || lacp_port_distributing(ch->lacp, m));
}

static int channel_n_active(const Switch *sw, const SwitchChannel *ch)
{
    int n = 0;
    for (int m = 0; m < ch->n_members; m++)
        n += member_active(sw, ch, m);
    return n;
}

static gboolean any_channel(const Sim *sim)
{
    for (guint i = 0; i < sim->switches->len; i++)
        if (((const Switch *)sim->switches->pdata[i])->n_chan)
            return TRUE;
    return FALSE;
}

static const char *flow_kind_name(const Flow *f)
{
    if (f->kind == FLOW_UDP)
        return f->ipv6 ? "udp6" : "udp";
    return f->ipv6 ? "ping6" : "ping";
}

static uint64_t nic_drops(const Nic *nic)
{
    uint64_t n = 0;
    for (int i = 0; i < NIC_DROP_COUNT; i++)
        n += nic->c.drops[i];
    return n;
}

static double mbps(uint64_t bytes, uint64_t ps)
{
    return ps ? (double)bytes * 8.0 / ((double)ps / 1e12) / 1e6 : 0.0;
}

static void table_slaves(const Sim *sim, GString *out, GString *csv)
{
    static const char *const hdr[] = {"slave",    "bond",          "state",     "tx frames",
                                      "tx bytes", "tx share",      "rx frames", "rx bytes",
                                      "drops",    "link failures", NULL};
    static const char *const cols[] = {"name",      "bond",        "link",          "active",
                                       "tx_frames", "tx_bytes",    "tx_share",      "rx_frames",
                                       "rx_bytes",  "drops_total", "link_failures", NULL};
    Csv *v = csv ? csv_new(csv, cols) : NULL;
    Table *t = !out ? NULL : table_new("Slaves", hdr);
    for (guint i = 0; i < sim->bonds->len; i++) {
        const Bond *b = sim->bonds->pdata[i];
        uint64_t total = 0;
        for (int j = 0; j < b->n_slaves; j++)
            total += b->slaves[j].nic->c.tx_frames;
        for (int j = 0; j < b->n_slaves; j++) {
            const Slave *s = &b->slaves[j];
            const NicCounters *c = &s->nic->c;
            double share = total ? (double)c->tx_frames / (double)total : 0.0;
            if (t)
                table_addf(t,
                           "%s\t%s\t%s%s\t%" G_GUINT64_FORMAT "\t%" G_GUINT64_FORMAT
                           "\t%.1f%%\t%" G_GUINT64_FORMAT "\t%" G_GUINT64_FORMAT
                           "\t%" G_GUINT64_FORMAT "\t%" G_GUINT64_FORMAT,
                           s->nic->name, b->name, slave_link_names[s->link],
                           s == b->curr_active ? " (active)" : "", c->tx_frames, c->tx_bytes,
                           total ? 100.0 * (double)c->tx_frames / (double)total : 0.0, c->rx_frames,
                           c->rx_bytes, nic_drops(s->nic), s->link_failure_count);
            if (v) {
                csv_str(v, s->nic->name);
                csv_str(v, b->full_name);
                csv_str(v, slave_link_names[s->link]);
                csv_bool(v, s == b->curr_active);
                csv_u64(v, c->tx_frames);
                csv_u64(v, c->tx_bytes);
                csv_ratio(v, share);
                csv_u64(v, c->rx_frames);
                csv_u64(v, c->rx_bytes);
                csv_u64(v, nic_drops(s->nic));
                csv_u64(v, s->link_failure_count);
                csv_end_row(v);
            }
        }
    }
    report_part_end(t, out, v);
}

static void table_flows(const Sim *sim, GString *out, GString *csv)
{
    static const char *const hdr[] = {"flow",         "path",       "sent", "received",    "lost",
                                      "out of order", "duplicates", "Mb/s", "latency avg", NULL};
    static const char *const cols[] = {"name",       "kind",     "from",           "to",
                                       "sent",       "received", "lost",           "out_of_order",
                                       "duplicates", "rx_bytes", "delivered_mbps", "latency_avg_s",
                                       NULL};
    Csv *v = csv ? csv_new(csv, cols) : NULL;
    Table *t = !out ? NULL : table_new("Flows", hdr);
    for (guint i = 0; i < sim->flows->len; i++) {
        const Flow *f = sim->flows->pdata[i];
        uint64_t uniq = f->received;
        uint64_t lost = f->sent > uniq ? f->sent - uniq : 0;
        char lat[32];
        units_format_time(uniq ? f->latency_sum_ps / uniq : 0, lat, sizeof(lat));
        uint64_t span = MIN(f->stop_ps, sim->end_ps) - f->start_ps;
        if (t)
            table_addf(t,
                       "%s\t%s %s -> %s\t%" G_GUINT64_FORMAT "\t%" G_GUINT64_FORMAT
                       "\t%" G_GUINT64_FORMAT "\t%" G_GUINT64_FORMAT "\t%" G_GUINT64_FORMAT
                       "\t%.1f\t%s",
                       f->name, flow_kind_name(f), f->src->name, f->dst_name, f->sent, f->received,
                       lost, f->out_of_order, f->duplicates, mbps(f->rx_bytes, span), lat);
        if (v) {
            csv_str(v, f->name);
            csv_str(v, flow_kind_name(f));
            csv_str(v, f->src->name);
            csv_str(v, f->dst_name);
            csv_u64(v, f->sent);
            csv_u64(v, f->received);
            csv_u64(v, lost);
            csv_u64(v, f->out_of_order);
            csv_u64(v, f->duplicates);
            csv_u64(v, f->rx_bytes);
            csv_ratio(v, mbps(f->rx_bytes, span));
            csv_secs(v, uniq ? f->latency_sum_ps / uniq : 0);
            csv_end_row(v);
        }
    }
    report_part_end(t, out, v);
}

/* Per flow, RFC 4737 and RFC 5236 figures; only flows that saw reordering. */
static void table_reordering(const Sim *sim, GString *out, GString *csv)
{
    static const char *const hdr[] = {"flow",        "reordered", "ratio",   "max extent",
                                      "extent >= 3", "3-reord.",  "RD d=1",  "RD d=2",
                                      "RD d=3",      "RD lost",   "RBD max", NULL};
    static const char *const cols[] = {"name",
                                       "reordered",
                                       "ratio",
                                       "max_extent",
                                       "max_extent_capped",
                                       "fast_retransmit_triggers",
                                       "n_reordered_3",
                                       "rd_density_1",
                                       "rd_density_2",
                                       "rd_density_3",
                                       "rd_lost",
                                       "rbd_max_occupancy",
                                       NULL};
    Csv *v = csv ? csv_new(csv, cols) : NULL;
    Table *t =
        !out ? NULL
             : table_new("Reordering (RFC 4737 extent, RFC 5236 RD/RBD, displacement threshold "
                         "3; extent >= 3 would trigger TCP fast retransmit)",
                         hdr);
    for (guint i = 0; i < sim->flows->len; i++) {
        const Flow *f = sim->flows->pdata[i];
        const ReorderStats *r = &f->reorder;
        if (!r->reordered)
            continue;
        char rd[3][16];
        for (int d = 1; d <= 3; d++) {
            if (d <= r->dt)
                g_snprintf(rd[d - 1], sizeof(rd[d - 1]), "%.2f%%", 100.0 * reorder_rd(r, d));
            else
                g_strlcpy(rd[d - 1], "-", sizeof(rd[d - 1]));
        }
        if (t)
            table_addf(t,
                       "%s\t%" G_GUINT64_FORMAT "\t%.2f%%\t%s%" G_GUINT64_FORMAT
                       "\t%" G_GUINT64_FORMAT "\t%" G_GUINT64_FORMAT
                       "\t%s\t%s\t%s\t%" G_GUINT64_FORMAT "\t%d",
                       f->name, r->reordered, 100.0 * reorder_ratio(r),
                       r->max_extent_capped ? ">=" : "", r->max_extent, r->fast_retransmit,
                       r->n_reordered[2], rd[0], rd[1], rd[2], r->rd_lost, reorder_rbd_max(r));
        if (v) {
            csv_str(v, f->name);
            csv_u64(v, r->reordered);
            csv_ratio(v, reorder_ratio(r));
            csv_u64(v, r->max_extent);
            csv_bool(v, r->max_extent_capped);
            csv_u64(v, r->fast_retransmit);
            csv_u64(v, r->n_reordered[2]);
            for (int d = 1; d <= 3; d++) {
                if (d <= r->dt)
                    csv_ratio(v, reorder_rd(r, d));
                else
                    csv_empty(v);
            }
            csv_u64(v, r->rd_lost);
            csv_int(v, reorder_rbd_max(r));
            csv_end_row(v);
        }
    }
    report_part_end(t, out, v);
}

static gboolean any_reordering(const Sim *sim)
{
    for (guint i = 0; i < sim->flows->len; i++)
        if (((const Flow *)sim->flows->pdata[i])->reorder.reordered)
            return TRUE;
    return FALSE;
}

/* ---- egress addresses (echo service) and NAT boxes ---------------------- */

static gboolean any_echo(const Sim *sim)
{
    for (guint i = 0; i < sim->flows->len; i++)
        if (((const Flow *)sim->flows->pdata[i])->echo_replies)
            return TRUE;
    return FALSE;
}

static void ip_str(const uint8_t ip[4], char *buf, size_t n)
{
    g_snprintf(buf, n, "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
}

/* Per flow answered by an echo service: the public address the far end saw
 * last and each change (time, old -> new). */
static void table_egress(const Sim *sim, GString *out, GString *csv)
{
    static const char *const hdr[] = {"flow",    "echo replies", "egress ip now",
                                      "changes", "timeline",     NULL};
    /* timeline: "<t_s> <from>-><to>" per change, separated by "; " */
    static const char *const cols[] = {"name",    "echo_replies", "ip", "port",
                                       "changes", "timeline",     NULL};
    Csv *v = csv ? csv_new(csv, cols) : NULL;
    Table *t = !out ? NULL : table_new("Egress IP (as the echo service saw it)", hdr);
    for (guint i = 0; i < sim->flows->len; i++) {
        const Flow *f = sim->flows->pdata[i];
        if (!f->echo_replies)
            continue;
        char now[20], a[20], b[20], at[32];
        ip_str(f->egress_ip, now, sizeof(now));
        GString *tl = g_string_new(NULL), *ctl = g_string_new(NULL);
        guint n = f->egress_changes ? f->egress_changes->len : 0;
        for (guint j = 0; j < n; j++) {
            const EchoChange *c = &g_array_index(f->egress_changes, EchoChange, j);
            ip_str(c->old_ip, a, sizeof(a));
            ip_str(c->new_ip, b, sizeof(b));
            g_string_append_printf(tl, "%s%s %s->%s", j ? ", " : "",
                                   units_format_time(c->time_ps, at, sizeof(at)), a, b);
            g_string_append_printf(ctl, "%s%" G_GUINT64_FORMAT ".%012" G_GUINT64_FORMAT " %s->%s",
                                   j ? "; " : "", c->time_ps / PS_PER_S, c->time_ps % PS_PER_S, a,
                                   b);
        }
        if (t)
            table_addf(t, "%s\t%" G_GUINT64_FORMAT "\t%s:%u\t%u\t%s", f->name, f->echo_replies, now,
                       f->egress_port, n, n ? tl->str : "-");
        if (v) {
            csv_str(v, f->name);
            csv_u64(v, f->echo_replies);
            csv_str(v, now);
            csv_u64(v, f->egress_port);
            csv_u64(v, n);
            csv_str(v, ctl->str);
            csv_end_row(v);
        }
        g_string_free(tl, TRUE);
        g_string_free(ctl, TRUE);
    }
    report_part_end(t, out, v);
}

static void table_nat(const Sim *sim, GString *out, GString *csv)
{
    static const char *const hdr[] = {"nat",     "snat",   "dnat", "routed", "conns opened",
                                      "expired", "active", "peak", "drops",  NULL};
    /* then drops_<reason> for every reason, '-' in the name as '_' */
    static const char *const cols[] = {"name",         "snat",          "dnat",
                                       "routed",       "conns_created", "conns_expired",
                                       "conns_active", "conns_peak",    NULL};
    Csv *v = NULL;
    if (csv) {
        g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
        for (guint k = 0; cols[k]; k++)
            g_ptr_array_add(names, g_strdup(cols[k]));
        for (int r = 0; r < NAT_DROP_COUNT; r++)
            g_ptr_array_add(names,
                            g_strdelimit(g_strconcat("drops_", nat_drop_names[r], NULL), "-", '_'));
        g_ptr_array_add(names, NULL);
        v = csv_new(csv, (const char *const *)names->pdata);
    }
    Table *t = !out ? NULL : table_new("NAT (drops by reason)", hdr);
    for (guint i = 0; i < sim->nats->len; i++) {
        const NatBox *nb = sim->nats->pdata[i];
        const NatStats *st = nat_stats(nb);
        GString *d = g_string_new(NULL);
        for (int r = 0; r < NAT_DROP_COUNT; r++)
            if (st->drops[r])
                g_string_append_printf(d, "%s%s=%" G_GUINT64_FORMAT, d->len ? " " : "",
                                       nat_drop_names[r], st->drops[r]);
        if (t)
            table_addf(t,
                       "%s\t%" G_GUINT64_FORMAT "\t%" G_GUINT64_FORMAT "\t%" G_GUINT64_FORMAT
                       "\t%" G_GUINT64_FORMAT "\t%" G_GUINT64_FORMAT "\t%u\t%u\t%s",
                       nat_name(nb), st->snat, st->dnat, st->routed, st->created, st->expired,
                       st->active, st->peak, d->len ? d->str : "-");
        g_string_free(d, TRUE);
        if (v) {
            csv_str(v, nat_name(nb));
            csv_u64(v, st->snat);
            csv_u64(v, st->dnat);
            csv_u64(v, st->routed);
            csv_u64(v, st->created);
            csv_u64(v, st->expired);
            csv_u64(v, st->active);
            csv_u64(v, st->peak);
            for (int r = 0; r < NAT_DROP_COUNT; r++)
                csv_u64(v, st->drops[r]);
            csv_end_row(v);
        }
    }
    report_part_end(t, out, v);
}

static void table_faults(const Sim *sim, GString *out, GString *csv)
{
    static const char *const hdr[] = {"fault",
                                      "at",
                                      "action",
                                      "detected after",
                                      "failover gap",
                                      "frames lost",
                                      "out of order after",
                                      "predicted detection",
                                      "predicted gap",
                                      "budget holds",
                                      NULL};
    static const char *const cols[] = {"name",
                                       "at_s",
                                       "action",
                                       "target",
                                       "detection_s",
                                       "gap_s",
                                       "recovered",
                                       "frames_lost",
                                       "out_of_order_after",
                                       "predicted_rule",
                                       "predicted_detection_s",
                                       "predicted_detection_min_s",
                                       "predicted_detection_max_s",
                                       "predicted_tick_s",
                                       "predicted_gap_min_s",
                                       "predicted_gap_max_s",
                                       "budget_holds",
                                       "predicted_why",
                                       NULL};
    Csv *v = csv ? csv_new(csv, cols) : NULL;
    Table *t =
        !out ? NULL
             : table_new("Faults (gap: longest pause in deliveries after the fault; predicted: "
                         "from the bond's settings, docs/scenario-format.md)",
                         hdr);
    for (guint i = 0; i < sim->faults->len; i++) {
        const SimFault *ft = &g_array_index(sim->faults, SimFault, i);
        const FaultGap *g = &sim->fault_gaps[i];
        char at[32], det[32], gap[40], pdet[80], pgap[80];
        uint64_t d = report_detection_ps(sim, i);
        FaultBudget b;
        bool predicted = budget_predict(sim, i, &b);
        int holds = budget_holds(sim, i, &b);
        units_format_time(ft->at_ps, at, sizeof(at));
        if (d == G_MAXUINT64)
            g_strlcpy(det, "-", sizeof(det));
        else
            units_format_time(d, det, sizeof(det));
        if (!g->measured)
            g_strlcpy(gap, "-", sizeof(gap));
        else
            units_format_time(g->gap_ps, gap, sizeof(gap));
        if (g->measured && !g->recovered)
            g_strlcat(gap, " (no recovery)", sizeof(gap));
        if (t)
            table_addf(
                t,
                "%s\t%s\t%s %s\t%s\t%s\t%" G_GUINT64_FORMAT "\t%" G_GUINT64_FORMAT "\t%s\t%s\t%s",
                ft->name, at, fault_kind_names[ft->kind], sim_fault_target(sim, ft), det, gap,
                g->lost, g->out_of_order, budget_format_detection(&b, pdet, sizeof(pdet)),
                budget_format_gap(&b, pgap, sizeof(pgap)),
                holds < 0 ? "-"
                : holds   ? "yes"
                          : "no");
        if (v) {
            csv_str(v, ft->name);
            csv_secs(v, ft->at_ps);
            csv_str(v, fault_kind_names[ft->kind]);
            csv_str(v, sim_fault_target(sim, ft));
            if (d == G_MAXUINT64)
                csv_empty(v);
            else
                csv_secs(v, d);
            if (g->measured)
                csv_secs(v, g->gap_ps);
            else
                csv_empty(v);
            csv_bool(v, g->recovered);
            csv_u64(v, g->lost);
            csv_u64(v, g->out_of_order);
            csv_str(v, predicted ? b.rule : NULL);
            if (predicted && b.detect_known) {
                csv_secs(v, b.detect_ps);
                csv_secs(v, b.detect_min_ps);
                csv_secs(v, b.detect_max_ps);
            } else {
                csv_empty(v);
                csv_empty(v);
                csv_empty(v);
            }
            if (predicted && b.detect_known && b.tick_at_ps)
                csv_secs(v, b.tick_at_ps);
            else
                csv_empty(v);
            if (predicted && b.gap_known) {
                csv_secs(v, b.gap_min_ps);
                csv_secs(v, b.gap_max_ps);
            } else {
                csv_empty(v);
                csv_empty(v);
            }
            if (holds < 0)
                csv_empty(v);
            else
                csv_bool(v, holds);
            csv_str(v, predicted ? NULL : b.why);
            csv_end_row(v);
        }
    }
    report_part_end(t, out, v);
}

static void table_bonds(const Sim *sim, GString *out, GString *csv)
{
    static const char *const hdr[] = {"bond",      "options",    "active",      "carrier",
                                      "failovers", "tx dropped", "rx filtered", NULL};
    static const char *const cols[] = {"name",      "options",    "active",      "carrier",
                                       "failovers", "tx_dropped", "rx_filtered", NULL};
    Csv *v = csv ? csv_new(csv, cols) : NULL;
    Table *t = !out ? NULL : table_new("Bonds", hdr);
    for (guint i = 0; i < sim->bonds->len; i++) {
        const Bond *b = sim->bonds->pdata[i];
        g_autofree char *opts = bond_params_to_string(&b->p);
        const char *active = b->curr_active ? b->curr_active->nic->ifname : NULL;
        uint64_t tx_dropped = b->drops[BOND_DROP_NO_SLAVE] + b->drops[BOND_DROP_SLAVE_TX];
        if (t)
            table_addf(t,
                       "%s\t%s\t%s\t%s\t%" G_GUINT64_FORMAT "\t%" G_GUINT64_FORMAT
                       "\t%" G_GUINT64_FORMAT,
                       b->full_name, opts, active ? active : "-", b->carrier ? "up" : "down",
                       b->failovers, tx_dropped, b->drops[BOND_DROP_INACTIVE_RX]);
        if (v) {
            csv_str(v, b->full_name);
            csv_str(v, opts);
            csv_str(v, active);
            csv_str(v, b->carrier ? "up" : "down");
            csv_u64(v, b->failovers);
            csv_u64(v, tx_dropped);
            csv_u64(v, b->drops[BOND_DROP_INACTIVE_RX]);
            csv_end_row(v);
        }
    }
    report_part_end(t, out, v);
}

static void table_switches(const Sim *sim, GString *out, GString *csv)
{
    static const char *const hdr[] = {"switch",   "MAC moves",   "flooded frames",
                                      "filtered", "FDB entries", NULL};
    static const char *const cols[] = {"name",     "mac_moves",   "flooded_frames",
                                       "filtered", "fdb_entries", NULL};
    Csv *v = csv ? csv_new(csv, cols) : NULL;
    Table *t = !out ? NULL : table_new("Switches", hdr);
    for (guint i = 0; i < sim->switches->len; i++) {
        const Switch *sw = sim->switches->pdata[i];
        uint64_t filtered = 0;
        for (int p = 0; p < sw->n_ports; p++)
            filtered += sw->pc[p].filtered;
        if (t)
            table_addf(
                t, "%s\t%" G_GUINT64_FORMAT "\t%" G_GUINT64_FORMAT "\t%" G_GUINT64_FORMAT "\t%d",
                sw->name, sw->mac_moves, sw->flood_frames, filtered, sw->fdb_used);
        if (v) {
            csv_str(v, sw->name);
            csv_u64(v, sw->mac_moves);
            csv_u64(v, sw->flood_frames);
            csv_u64(v, filtered);
            csv_int(v, sw->fdb_used);
            csv_end_row(v);
        }
    }
    report_part_end(t, out, v);
}

/* TCP connections (traffic/tcp.c): goodput and the sender's reactions. */
static void table_tcp(const Sim *sim, GString *out, GString *csv)
{
    static const char *const hdr[] = {"connection", "path",     "state",    "delivered",
                                      "Mb/s",       "retrans",  "fast rtx", "spurious fast",
                                      "RTO",        "max cwnd", "srtt",     "max stall (RTO)",
                                      "survived",   NULL};
    static const char *const cols[] = {"name",
                                       "from",
                                       "to",
                                       "state",
                                       "bytes_delivered",
                                       "goodput_bps",
                                       "retransmits",
                                       "fast_retransmits",
                                       "spurious_fast_retransmits",
                                       "rto_events",
                                       "max_cwnd_segments",
                                       "max_cwnd_bytes",
                                       "srtt_s",
                                       "max_stall_s",
                                       "stall_rto_s",
                                       "survived",
                                       "survived_why",
                                       NULL};
    Csv *v = csv ? csv_new(csv, cols) : NULL;
    Table *t = !out
                   ? NULL
                   : table_new("TCP (spurious: retransmitted although the original arrived; stall: "
                               "longest pause in in-order delivery, with the RTO computed then; "
                               "survived: never reset, and data sent after the last fault or route "
                               "change was delivered and acknowledged)",
                               hdr);
    g_autoptr(GPtrArray) conns = tcp_conns(sim);
    for (guint i = 0; i < conns->len; i++) {
        const TcpConn *c = conns->pdata[i];
        const TcpStats *st = &c->st;
        char srtt[32], stall[32], rto[32], why[160];
        bool survived = tcp_survived(sim, c, why, sizeof why);
        units_format_time(c->srtt_ps, srtt, sizeof(srtt));
        units_format_time(st->max_stall_ps, stall, sizeof(stall));
        units_format_time(st->stall_rto_ps, rto, sizeof(rto));
        const char *to = c->dst_name ? c->dst_name : c->srv.host->name;
        if (t)
            table_addf(t,
                       "%s\t%s -> %s\t%s\t%" G_GUINT64_FORMAT "\t%.1f\t%" G_GUINT64_FORMAT
                       "\t%" G_GUINT64_FORMAT "\t%" G_GUINT64_FORMAT "\t%" G_GUINT64_FORMAT
                       "\t%" G_GUINT64_FORMAT "\t%s\t%s (%s)\t%s: %s",
                       c->name, c->cli.host->name, to, tcp_state_name(c->cstate), st->delivered,
                       tcp_goodput_bps(c) / 1e6, st->retransmits, st->fast_retransmits,
                       st->spurious_fast, st->rto_events, st->max_cwnd / c->p.mss, srtt, stall, rto,
                       survived ? "yes" : "no", why);
        if (v) {
            csv_str(v, c->name);
            csv_str(v, c->cli.host->name);
            csv_str(v, to);
            csv_str(v, tcp_state_name(c->cstate));
            csv_u64(v, st->delivered);
            csv_double(v, "%.0f", tcp_goodput_bps(c));
            csv_u64(v, st->retransmits);
            csv_u64(v, st->fast_retransmits);
            csv_u64(v, st->spurious_fast);
            csv_u64(v, st->rto_events);
            csv_u64(v, st->max_cwnd / c->p.mss);
            csv_u64(v, st->max_cwnd);
            csv_secs(v, c->srtt_ps);
            csv_secs(v, st->max_stall_ps);
            csv_secs(v, st->stall_rto_ps);
            csv_bool(v, survived);
            csv_str(v, why);
            csv_end_row(v);
        }
    }
    report_part_end(t, out, v);
}

/* Replayed captures: frames read, skipped at load, sent, and the time the
 * replay took on the simulated clock. */
static void table_replay(const Sim *sim, GString *out, GString *csv)
{
    static const char *const hdr[] = {"replay", "file",  "mode",      "from",  "read", "skipped",
                                      "sent",   "bytes", "no buffer", "first", "last", NULL};
    static const char *const cols[] = {"name",      "file",       "mode",      "from",
                                       "read",      "skipped",    "sent",      "sent_bytes",
                                       "no_buffer", "first_tx_s", "last_tx_s", NULL};
    Csv *v = csv ? csv_new(csv, cols) : NULL;
    Table *t = !out ? NULL : table_new("Replays", hdr);
    for (guint i = 0; i < sim->replays->len; i++) {
        const Replay *r = sim->replays->pdata[i];
        g_autofree char *base = g_path_get_basename(r->path);
        char first[32], last[32];
        units_format_time(r->first_tx_ps, first, sizeof(first));
        units_format_time(r->last_tx_ps, last, sizeof(last));
        const char *mode = r->mode == REPLAY_RAW ? "raw" : "rewrite";
        if (t)
            table_addf(t,
                       "%s\t%s\t%s\t%s\t%" G_GUINT64_FORMAT "\t%" G_GUINT64_FORMAT
                       "\t%" G_GUINT64_FORMAT "\t%" G_GUINT64_FORMAT "\t%" G_GUINT64_FORMAT
                       "\t%s\t%s",
                       r->name, base, mode, r->src->name, r->read, r->skipped, r->sent,
                       r->sent_bytes, r->alloc_fail, r->sent ? first : "-", r->sent ? last : "-");
        if (v) {
            csv_str(v, r->name);
            csv_str(v, base);
            csv_str(v, mode);
            csv_str(v, r->src->name);
            csv_u64(v, r->read);
            csv_u64(v, r->skipped);
            csv_u64(v, r->sent);
            csv_u64(v, r->sent_bytes);
            csv_u64(v, r->alloc_fail);
            if (r->sent) {
                csv_secs(v, r->first_tx_ps);
                csv_secs(v, r->last_tx_ps);
            } else {
                csv_empty(v);
                csv_empty(v);
            }
            csv_end_row(v);
        }
    }
    report_part_end(t, out, v);
}

static void json_replays(GString *o, const Sim *sim)
{
    g_string_append(o, "\"replays\":[");
    for (guint i = 0; i < sim->replays->len; i++) {
        const Replay *r = sim->replays->pdata[i];
        g_autofree char *base = g_path_get_basename(r->path);
        g_string_append(o, i ? ",{" : "{");
        json_kv_str(o, "name", r->name, TRUE);
        json_kv_str(o, "file", base, TRUE);
        json_kv_str(o, "mode", r->mode == REPLAY_RAW ? "raw" : "rewrite", TRUE);
        json_kv_u64(o, "read", r->read, TRUE);
        json_kv_u64(o, "skipped", r->skipped, TRUE);
        json_kv_u64(o, "sent", r->sent, TRUE);
        json_kv_u64(o, "sent_bytes", r->sent_bytes, TRUE);
        json_kv_u64(o, "no_buffer", r->alloc_fail, FALSE);
        g_string_append_c(o, '}');
    }
    g_string_append(o, "],\n");
}

/* Cloud virtual switches: drops per port and reason, in the provider's
 * terms; only ports that dropped something. */
static void table_cloud(const Sim *sim, GString *out, GString *csv)
{
    static const char *const hdr[] = {"port",   "profile", "reason", "provider's term",
                                      "frames", NULL};
    static const char *const cols[] = {"port",          "profile", "reason",
                                       "provider_term", "frames",  NULL};
    Csv *v = csv ? csv_new(csv, cols) : NULL;
    Table *t = !out ? NULL : table_new("Cloud virtual switch drops", hdr);
    for (guint i = 0; i < sim->switches->len; i++) {
        const Switch *sw = sim->switches->pdata[i];
        if (!sw->vs)
            continue;
        for (int p = 0; p < sw->n_ports; p++)
            for (int r = 0; r < SWITCH_VS_DROP_COUNT; r++) {
                if (!sw->vs->drops[p][r])
                    continue;
                const char *term = sw->vs->profile->term[r];
                if (t)
                    table_addf(t, "%s\t%s\t%s\t%s\t%" G_GUINT64_FORMAT, sw->ports[p]->name,
                               sw->vs->profile->name, switch_vs_drop_names[r], term ? term : "-",
                               sw->vs->drops[p][r]);
                if (v) {
                    csv_str(v, sw->ports[p]->name);
                    csv_str(v, sw->vs->profile->name);
                    csv_str(v, switch_vs_drop_names[r]);
                    csv_str(v, term);
                    csv_u64(v, sw->vs->drops[p][r]);
                    csv_end_row(v);
                }
            }
    }
    report_part_end(t, out, v);
}

/* The cloud table is shown when a cloud virtual switch dropped something. */
static gboolean any_cloud_drop(const Sim *sim)
{
    for (guint i = 0; i < sim->switches->len; i++) {
        const Switch *sw = sim->switches->pdata[i];
        for (int p = 0; sw->vs && p < sw->n_ports; p++)
            for (int r = 0; r < SWITCH_VS_DROP_COUNT; r++)
                if (sw->vs->drops[p][r])
                    return TRUE;
    }
    return FALSE;
}

static gboolean has_bonds(const Sim *sim)
{
    return sim->bonds->len > 0;
}

static gboolean has_flows(const Sim *sim)
{
    return sim->flows->len > 0;
}

static gboolean has_tcp(const Sim *sim)
{
    return sim->hosts->len && tcp_any(sim);
}

static gboolean has_faults(const Sim *sim)
{
    return sim->faults->len > 0;
}

static gboolean has_switches(const Sim *sim)
{
    return sim->switches->len > 0;
}

static gboolean has_nats(const Sim *sim)
{
    return sim->nats->len > 0;
}

static gboolean has_replays(const Sim *sim)
{
    return sim->replays->len > 0;
}

/* only in runs with LACP: other runs print what they always printed */
static gboolean has_lacp_bonds(const Sim *sim)
{
    if (!report_has_lacp(sim))
        return FALSE;
    for (guint i = 0; i < sim->bonds->len; i++)
        if (((const Bond *)sim->bonds->pdata[i])->ops == &bond_mode_8023ad_ops)
            return TRUE;
    return FALSE;
}

static gboolean has_lacp_channels(const Sim *sim)
{
    return report_has_lacp(sim) && any_channel(sim);
}

/* The summary's tables in print order: when each is present, and its CSV
 * file beside stats.json. */
typedef struct {
    const char *file;
    gboolean (*present)(const Sim *sim);
    void (*render)(const Sim *sim, GString *out, GString *csv);
} ReportPart;

static const ReportPart report_parts[] = {
    {"bonds.csv", has_bonds, table_bonds},
    {"slaves.csv", has_bonds, table_slaves},
    {"flows.csv", has_flows, table_flows},
    {"tcp.csv", has_tcp, table_tcp},
    {"reordering.csv", any_reordering, table_reordering},
    {"egress.csv", any_echo, table_egress},
    {"faults.csv", has_faults, table_faults},
    {"switches.csv", has_switches, table_switches},
    {"nat.csv", has_nats, table_nat},
    {"cloud-drops.csv", any_cloud_drop, table_cloud},
    {"replays.csv", has_replays, table_replay},
    {"lacp.csv", has_lacp_bonds, table_lacp},
    {"port-channels.csv", has_lacp_channels, table_channels},
};

char *report_table(const Sim *sim)
{
    GString *out = g_string_new(NULL);
    char d[32];
    g_string_append_printf(
        out, "bondsim %s: scenario %s, seed %" G_GUINT64_FORMAT ", %s simulated\n\n",
        BONDSIM_VERSION, sim->name, sim->seed, units_format_time(sim->end_ps, d, sizeof(d)));
    for (guint i = 0; i < G_N_ELEMENTS(report_parts); i++)
        if (report_parts[i].present(sim))
            report_parts[i].render(sim, out, NULL);
    return g_string_free(out, FALSE);
}

guint report_table_csv_count(void)
{
    return G_N_ELEMENTS(report_parts);
}

const char *report_table_csv_name(guint i)
{
    g_return_val_if_fail(i < G_N_ELEMENTS(report_parts), NULL);
    return report_parts[i].file;
}

char *report_table_csv(const Sim *sim, const char *file)
{
    g_return_val_if_fail(sim != NULL && file != NULL, NULL);
    for (guint i = 0; i < G_N_ELEMENTS(report_parts); i++) {
        if (strcmp(report_parts[i].file, file) != 0)
            continue;
        if (!report_parts[i].present(sim))
            return NULL;
        GString *csv = g_string_new(NULL);
        report_parts[i].render(sim, NULL, csv);
        return g_string_free(csv, FALSE);
    }
    return NULL;
}

/* ---- JSON ------------------------------------------------------------------ */

static void json_nic(GString *o, const Nic *nic)
{
    json_kv_u64(o, "tx_frames", nic->c.tx_frames, TRUE);
    json_kv_u64(o, "tx_bytes", nic->c.tx_bytes, TRUE);
    json_kv_u64(o, "rx_frames", nic->c.rx_frames, TRUE);
    json_kv_u64(o, "rx_bytes", nic->c.rx_bytes, TRUE);
    g_string_append(o, "\"drops\":{");
    for (int i = 0; i < NIC_DROP_COUNT; i++)
        json_kv_u64(o, nic_drop_names[i], nic->c.drops[i], i + 1 < NIC_DROP_COUNT);
    g_string_append(o, "}");
}

static void json_bonds(GString *o, const Sim *sim)
{
    g_string_append(o, "\"bonds\":[");
    for (guint i = 0; i < sim->bonds->len; i++) {
        const Bond *b = sim->bonds->pdata[i];
        g_autofree char *opts = bond_params_to_string(&b->p);
        g_string_append(o, i ? ",{" : "{");
        json_kv_str(o, "name", b->full_name, TRUE);
        json_kv_str(o, "options", opts, TRUE);
        json_kv_str(o, "active", b->curr_active ? b->curr_active->nic->ifname : NULL, TRUE);
        json_kv_str(o, "carrier", b->carrier ? "up" : "down", TRUE);
        json_kv_u64(o, "failovers", b->failovers, TRUE);
        json_kv_u64(o, "mii_tick_ps", b->mii_tick_ps, TRUE);
        g_string_append(o, "\"drops\":{");
        for (int d = 0; d < BOND_DROP_COUNT; d++)
            json_kv_u64(o, bond_drop_names[d], b->drops[d], d + 1 < BOND_DROP_COUNT);
        g_string_append(o, "},\"slaves\":[");
        for (int j = 0; j < b->n_slaves; j++) {
            const Slave *s = &b->slaves[j];
            g_string_append(o, j ? ",{" : "{");
            json_kv_str(o, "name", s->nic->name, TRUE);
            json_kv_str(o, "link", slave_link_names[s->link], TRUE);
            json_kv_u64(o, "link_failures", s->link_failure_count, TRUE);
            json_kv_u64(o, "rx_filtered", s->rx_dropped_inactive, TRUE);
            json_nic(o, s->nic);
            g_string_append_c(o, '}');
        }
        g_string_append(o, "]}");
    }
    g_string_append(o, "],");
}

/* ,"egress":{...}: what the echo service saw (flows it answered only). */
static void json_egress(GString *o, const Flow *f)
{
    char ip[20], a[20];
    g_string_append(o, ",\"egress\":{");
    json_kv_u64(o, "echo_replies", f->echo_replies, TRUE);
    ip_str(f->egress_ip, ip, sizeof(ip));
    json_kv_str(o, "ip", ip, TRUE);
    json_kv_u64(o, "port", f->egress_port, TRUE);
    guint n = f->egress_changes ? f->egress_changes->len : 0;
    json_kv_u64(o, "changes", n, TRUE);
    g_string_append(o, "\"timeline\":[");
    for (guint j = 0; j < n; j++) {
        const EchoChange *c = &g_array_index(f->egress_changes, EchoChange, j);
        g_string_append(o, j ? ",{" : "{");
        json_kv_secs(o, "t_s", c->time_ps, TRUE);
        ip_str(c->old_ip, a, sizeof(a));
        json_kv_str(o, "from", a, TRUE);
        ip_str(c->new_ip, a, sizeof(a));
        json_kv_str(o, "to", a, FALSE);
        g_string_append_c(o, '}');
    }
    g_string_append(o, "]}");
}

static void json_nat(GString *o, const Sim *sim)
{
    g_string_append(o, "\"nat\":[");
    for (guint i = 0; i < sim->nats->len; i++) {
        const NatBox *nb = sim->nats->pdata[i];
        const NatStats *st = nat_stats(nb);
        g_string_append(o, i ? ",{" : "{");
        json_kv_str(o, "name", nat_name(nb), TRUE);
        json_kv_u64(o, "snat", st->snat, TRUE);
        json_kv_u64(o, "dnat", st->dnat, TRUE);
        json_kv_u64(o, "routed", st->routed, TRUE);
        json_kv_u64(o, "conns_created", st->created, TRUE);
        json_kv_u64(o, "conns_expired", st->expired, TRUE);
        json_kv_u64(o, "conns_active", st->active, TRUE);
        json_kv_u64(o, "conns_peak", st->peak, TRUE);
        g_string_append(o, "\"drops\":{");
        for (int r = 0; r < NAT_DROP_COUNT; r++)
            json_kv_u64(o, nat_drop_names[r], st->drops[r], r + 1 < NAT_DROP_COUNT);
        g_string_append(o, "}}");
    }
    g_string_append(o, "],\n");
}

static void json_flows(GString *o, const Sim *sim)
{
    g_string_append(o, "\"flows\":[");
    for (guint i = 0; i < sim->flows->len; i++) {
        const Flow *f = sim->flows->pdata[i];
        g_string_append(o, i ? ",{" : "{");
        json_kv_str(o, "name", f->name, TRUE);
        json_kv_str(o, "kind", flow_kind_name(f), TRUE);
        json_kv_str(o, "from", f->src->name, TRUE);
        json_kv_str(o, "to", f->dst_name, TRUE);
        json_kv_u64(o, "sent", f->sent, TRUE);
        json_kv_u64(o, "received", f->received, TRUE);
        json_kv_u64(o, "lost", f->sent > f->received ? f->sent - f->received : 0, TRUE);
        json_kv_u64(o, "out_of_order", f->out_of_order, TRUE);
        json_kv_u64(o, "duplicates", f->duplicates, TRUE);
        json_kv_u64(o, "rx_bytes", f->rx_bytes, TRUE);
        json_kv_secs(o, "latency_avg_s", f->received ? f->latency_sum_ps / f->received : 0, TRUE);
        json_kv_secs(o, "latency_max_s", f->latency_max_ps, TRUE);
        json_reorder(o, &f->reorder);
        if (f->echo_replies)
            json_egress(o, f);
        g_string_append_c(o, '}');
    }
    g_string_append(o, "],");
}

static void json_faults(GString *o, const Sim *sim)
{
    g_string_append(o, "\"faults\":[");
    for (guint i = 0; i < sim->faults->len; i++) {
        const SimFault *ft = &g_array_index(sim->faults, SimFault, i);
        const FaultGap *g = &sim->fault_gaps[i];
        uint64_t d = report_detection_ps(sim, i);
        g_string_append(o, i ? ",{" : "{");
        json_kv_str(o, "name", ft->name, TRUE);
        json_kv_secs(o, "at_s", ft->at_ps, TRUE);
        json_kv_str(o, "action", fault_kind_names[ft->kind], TRUE);
        json_kv_str(o, "target", sim_fault_target(sim, ft), TRUE);
        if (d == G_MAXUINT64)
            g_string_append(o, "\"detection_s\":null,");
        else
            json_kv_secs(o, "detection_s", d, TRUE);
        if (g->measured) {
            json_kv_secs(o, "gap_s", g->gap_ps, TRUE);
            json_kv_secs(o, "gap_from_s", g->from_ps, TRUE);
            json_kv_secs(o, "gap_to_s", g->to_ps, TRUE);
            json_kv_str(o, "gap_flow", g->flow, TRUE);
        } else {
            g_string_append(o, "\"gap_s\":null,");
        }
        g_string_append_printf(o, "\"recovered\":%s,", g->recovered ? "true" : "false");
        json_kv_u64(o, "frames_lost", g->lost, TRUE);
        json_kv_u64(o, "out_of_order_after", g->out_of_order, TRUE);
        budget_json(o, sim, i);
        g_string_append_c(o, '}');
    }
    g_string_append(o, "],");
}

static void json_switches(GString *o, const Sim *sim)
{
    g_string_append(o, "\"switches\":[");
    for (guint i = 0; i < sim->switches->len; i++) {
        const Switch *sw = sim->switches->pdata[i];
        g_string_append(o, i ? ",{" : "{");
        json_kv_str(o, "name", sw->name, TRUE);
        json_kv_u64(o, "mac_moves", sw->mac_moves, TRUE);
        json_kv_u64(o, "flooded_frames", sw->flood_frames, TRUE);
        g_autofree char *cloud = cloud_switch_json(sw); /* NULL: a plain switch */
        if (cloud)
            g_string_append_printf(o, "\"cloud\":%s,", cloud);
        g_string_append(o, "\"ports\":[");
        gboolean first = TRUE;
        for (int p = 0; p < sw->n_ports; p++) {
            const Nic *n = sw->ports[p];
            if (!n->link)
                continue;
            g_string_append(o, first ? "{" : ",{");
            first = FALSE;
            json_kv_str(o, "name", n->name, TRUE);
            json_kv_u64(o, "mac_moves_in", sw->pc[p].mac_moves_in, TRUE);
            json_kv_u64(o, "flooded", sw->pc[p].flooded, TRUE);
            json_nic(o, n);
            g_string_append_c(o, '}');
        }
        g_string_append(o, "]}");
    }
    g_string_append(o, "],");
}

/* Per slave: bytes and peak rate over the load series' bins. */
static void json_load_nic(GString *o, const Series *se, guint n)
{
    uint64_t total[2] = {0, 0}, peak_bytes[2] = {0, 0};
    double peak[2] = {0.0, 0.0};
    uint64_t peak_at[2] = {0, 0};
    for (guint b = 0; b < se->done_bins; b++) {
        uint64_t from, to;
        series_bin_span(se, b, &from, &to);
        for (int d = 0; d < 2; d++) {
            uint64_t v = series_bytes(se, b, n, d);
            double rate = mbps(v, to - from);
            total[d] += v;
            if (rate > peak[d]) {
                peak[d] = rate;
                peak_at[d] = from;
                peak_bytes[d] = v;
            }
        }
    }
    json_kv_str(o, "name", se->nics[n]->name, TRUE);
    static const char *const dir[2] = {"tx", "rx"};
    for (int d = 0; d < 2; d++) {
        char k[32];
        g_snprintf(k, sizeof(k), "%s_bytes", dir[d]);
        json_kv_u64(o, k, total[d], TRUE);
        g_snprintf(k, sizeof(k), "%s_peak_bin_bytes", dir[d]);
        json_kv_u64(o, k, peak_bytes[d], TRUE);
        g_snprintf(k, sizeof(k), "%s_peak_mbps", dir[d]);
        json_kv_ratio(o, k, peak[d], TRUE);
        g_snprintf(k, sizeof(k), "%s_peak_at_s", dir[d]);
        json_kv_secs(o, k, peak_at[d], d == 0);
    }
}

/* The load series in brief; the bins themselves are in series.csv. */
static void json_load(GString *o, const Sim *sim)
{
    const Series *se = sim->series;
    if (!se)
        return;
    g_string_append(o, "\"load\":{");
    json_kv_secs(o, "bin_s", se->bin_ps, TRUE);
    json_kv_u64(o, "bins", se->done_bins, TRUE);
    json_kv_str(o, "file", "series.csv", TRUE);
    g_string_append(o, "\"slaves\":[");
    for (guint n = 0; n < se->n_nics; n++) {
        g_string_append(o, n ? ",{" : "{");
        json_load_nic(o, se, n);
        g_string_append_c(o, '}');
    }
    g_string_append(o, "]},\n");
}

static const char *const event_names[SIM_EV_COUNT] = {
    "fault",         "carrier-down",   "carrier-up",        "slave-down",
    "slave-up",      "failover",       "peer-notify",       "bond-carrier",
    "lacp-agg-join", "lacp-agg-leave", "lacp-distributing", "lacp-not-distributing",
    "lacp-expired",  "lacp-defaulted", "lacp-partner-seen", "lacp-active-aggregator"};

static void json_lacp_state(GString *o, const char *k, uint8_t state)
{
    char key[32], hex[8], flags[9];
    g_snprintf(hex, sizeof(hex), "0x%02x", state);
    json_kv_str(o, k, hex, TRUE);
    g_snprintf(key, sizeof(key), "%s_flags", k);
    json_kv_str(o, key, report_lacp_flags(state, flags), TRUE);
}

static void json_lacp_counters(GString *o, const LacpPortStats *st)
{
    json_kv_u64(o, "lacpdu_tx", st->lacpdu_tx, TRUE);
    json_kv_u64(o, "lacpdu_rx", st->lacpdu_rx, TRUE);
    json_kv_u64(o, "lacpdu_unknown_rx", st->lacpdu_unknown_rx, TRUE);
    json_kv_u64(o, "lacpdu_illegal_rx", st->lacpdu_illegal_rx, TRUE);
    json_kv_u64(o, "marker_tx", st->marker_tx, TRUE);
    json_kv_u64(o, "marker_rx", st->marker_rx, TRUE);
    json_kv_u64(o, "marker_resp_tx", st->marker_resp_tx, TRUE);
    json_kv_u64(o, "marker_resp_rx", st->marker_resp_rx, TRUE);
    json_kv_u64(o, "marker_unknown_rx", st->marker_unknown_rx, TRUE);
    json_kv_u64(o, "churn_actor", st->churn_actor, TRUE);
    json_kv_u64(o, "churn_partner", st->churn_partner, TRUE);
}

static void json_lacp_port(GString *o, const LacpSystem *l, int j)
{
    const LacpInfo *pi = lacp_port_partner(l, j);
    char mac[18];
    g_snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", pi->system[0], pi->system[1],
               pi->system[2], pi->system[3], pi->system[4], pi->system[5]);
    json_kv_u64(o, "aggregator", (uint64_t)lacp_port_aggregator(l, j), TRUE);
    g_string_append_printf(o, "\"in_active_aggregator\":%s,",
                           lacp_port_in_active_agg(l, j) ? "true" : "false");
    g_string_append_printf(o, "\"distributing\":%s,",
                           lacp_port_distributing(l, j) ? "true" : "false");
    json_kv_u64(o, "actor_key", lacp_port_key_of(l, j), TRUE);
    json_lacp_state(o, "actor_state", lacp_port_actor_state(l, j));
    json_lacp_state(o, "partner_state", lacp_port_partner_state(l, j));
    json_kv_str(o, "partner_system", mac, TRUE);
    json_kv_u64(o, "partner_key", pi->key, TRUE);
    json_kv_u64(o, "partner_port", pi->port, TRUE);
    json_lacp_counters(o, lacp_port_stats(l, j));
}

/* "lacp": per 802.3ad port and per switch port-channel; only in runs with
 * LACP (other runs' stats.json is unchanged). */
static void json_lacp(GString *o, const Sim *sim)
{
    if (!report_has_lacp(sim))
        return;
    g_string_append(o, "\"lacp\":{\"ports\":[");
    gboolean first = TRUE;
    for (guint i = 0; i < sim->bonds->len; i++) {
        const Bond *b = sim->bonds->pdata[i];
        if (b->ops != &bond_mode_8023ad_ops || !bond_8023ad_lacp(b))
            continue;
        const LacpSystem *l = bond_8023ad_lacp(b);
        for (int j = 0; j < b->n_slaves; j++) {
            const Slave *s = &b->slaves[j];
            uint64_t cd = bond_8023ad_cd_time_ps(b, s);
            g_string_append(o, first ? "\n{" : ",\n{");
            first = FALSE;
            json_kv_str(o, "name", s->nic->name, TRUE);
            json_kv_str(o, "bond", b->full_name, TRUE);
            json_kv_u64(o, "active_aggregator", (uint64_t)lacp_active_aggregator(l), TRUE);
            if (cd)
                json_kv_secs(o, "link_up_to_distributing_s", cd, TRUE);
            else
                g_string_append(o, "\"link_up_to_distributing_s\":null,");
            json_lacp_port(o, l, j);
            json_kv_u64(o, "lacp_blocked_rx", sim_lacp_blocked_frames(sim, s->nic), FALSE);
            g_string_append_c(o, '}');
        }
    }
    g_string_append(o, "],\n\"port_channels\":[");
    first = TRUE;
    for (guint i = 0; i < sim->switches->len; i++) {
        const Switch *sw = sim->switches->pdata[i];
        for (int c = 0; c < sw->n_chan; c++) {
            const SwitchChannel *ch = &sw->chan[c];
            g_string_append(o, first ? "\n{" : ",\n{");
            first = FALSE;
            json_kv_str(o, "switch", sw->name, TRUE);
            json_kv_str(o, "name", ch->name, TRUE);
            json_kv_str(o, "mode", ch->cfg.mode == SWITCH_CHAN_STATIC ? "static" : "lacp", TRUE);
            if (ch->lacp)
                json_kv_str(o, "lacp", ch->cfg.lacp_active ? "active" : "passive", TRUE);
            json_kv_str(o, "hash", switch_hash_name(ch->cfg.hash), TRUE);
            json_kv_u64(o, "n_members", (uint64_t)ch->n_members, TRUE);
            json_kv_u64(o, "n_active", (uint64_t)channel_n_active(sw, ch), TRUE);
            json_kv_u64(o, "remaps", ch->remaps, TRUE);
            g_string_append(o, "\"members\":[");
            for (int m = 0; m < ch->n_members; m++) {
                int p = ch->members[m];
                gboolean act = member_active(sw, ch, m);
                g_string_append(o, m ? ",{" : "{");
                json_kv_str(o, "name", sw->ports[p]->name, TRUE);
                g_string_append_printf(o, "\"active\":%s,", act ? "true" : "false");
                json_kv_u64(o, "link_local_consumed", sw->pc[p].link_local_consumed, TRUE);
                if (ch->lacp) {
                    json_kv_u64(o, "not_collecting_dropped", sw->pc[p].lacp_not_collecting, TRUE);
                    json_lacp_port(o, ch->lacp, m);
                    g_string_truncate(o, o->len - 1); /* the last comma */
                } else {
                    json_kv_u64(o, "not_collecting_dropped", sw->pc[p].lacp_not_collecting, FALSE);
                }
                g_string_append_c(o, '}');
            }
            g_string_append(o, "]}");
        }
    }
    g_string_append(o, "]},\n");
}

static void json_events(GString *o, const Sim *sim)
{
    g_string_append(o, "\"events\":[");
    for (guint i = 0; i < sim->events->len; i++) {
        const SimEvent *ev = &g_array_index(sim->events, SimEvent, i);
        g_string_append(o, i ? ",\n{" : "\n{");
        json_kv_secs(o, "t_s", ev->time_ps, TRUE);
        json_kv_str(o, "event", event_names[ev->kind], TRUE);
        json_kv_str(o, "subject", ev->subject, TRUE);
        json_kv_str(o, "from", ev->from, TRUE);
        json_kv_str(o, "to", ev->to, TRUE);
        json_kv_str(o, "reason", ev->reason, FALSE);
        g_string_append_c(o, '}');
    }
    g_string_append(o, "]");
}

static void json_tcp(GString *o, const Sim *sim)
{
    g_autoptr(GPtrArray) conns = tcp_conns(sim);
    if (!conns->len)
        return;
    g_string_append(o, "\"tcp\":[");
    for (guint i = 0; i < conns->len; i++) {
        const TcpConn *c = conns->pdata[i];
        const TcpStats *st = &c->st;
        g_string_append(o, i ? ",{" : "{");
        json_kv_str(o, "name", c->name, TRUE);
        json_kv_str(o, "from", c->cli.host->name, TRUE);
        json_kv_str(o, "to", c->dst_name ? c->dst_name : c->srv.host->name, TRUE);
        json_kv_str(o, "state", tcp_state_name(c->cstate), TRUE);
        json_kv_u64(o, "bytes_delivered", st->delivered, TRUE);
        g_string_append_printf(o, "\"goodput_bps\":%.0f,", tcp_goodput_bps(c));
        json_kv_u64(o, "segments_sent", st->segs_sent, TRUE);
        json_kv_u64(o, "retransmits", st->retransmits, TRUE);
        json_kv_u64(o, "fast_retransmits", st->fast_retransmits, TRUE);
        json_kv_u64(o, "fast_recoveries", st->recoveries, TRUE);
        json_kv_u64(o, "spurious_fast_retransmits", st->spurious_fast, TRUE);
        json_kv_u64(o, "spurious_rto_retransmits", st->spurious_rto, TRUE);
        json_kv_u64(o, "rto_events", st->rto_events, TRUE);
        json_kv_u64(o, "max_backoff", st->max_backoff, TRUE);
        json_kv_u64(o, "max_cwnd_bytes", st->max_cwnd, TRUE);
        json_kv_u64(o, "dupacks_received", st->dupacks_rx, TRUE);
        json_kv_u64(o, "out_of_order_segments", st->ooo_segs, TRUE);
        json_kv_secs(o, "srtt_s", c->srtt_ps, TRUE);
        json_kv_secs(o, "rto_s", c->rto_ps, TRUE);
        json_kv_secs(o, "max_stall_s", st->max_stall_ps, TRUE);
        json_kv_secs(o, "stall_from_s", st->stall_from_ps, TRUE);
        json_kv_secs(o, "stall_rto_s", st->stall_rto_ps, TRUE);
        json_kv_u64(o, "stall_rto_events", st->stall_rtos, TRUE);
        json_kv_secs(o, "established_s", st->established_ps, TRUE);
        json_kv_secs(o, "done_s", st->done_ps, TRUE);
        char why[160];
        bool survived = tcp_survived(sim, c, why, sizeof why);
        g_string_append_printf(o, "\"survived\":%s,", survived ? "true" : "false");
        json_kv_str(o, "survived_why", why, TRUE);
        json_kv_u64(o, "resets", st->resets, FALSE);
        g_string_append_c(o, '}');
    }
    g_string_append(o, "],\n");
}

char *report_json(const Sim *sim)
{
    GString *o = g_string_new("{");
    json_kv_str(o, "bondsim_version", BONDSIM_VERSION, TRUE);
    json_kv_str(o, "scenario", sim->name, TRUE);
    json_kv_u64(o, "seed", sim->seed, TRUE);
    json_kv_u64(o, "hz", sim->hz, TRUE);
    json_kv_secs(o, "duration_s", sim->end_ps, TRUE);
    g_string_append(o, "\n");
    json_bonds(o, sim);
    g_string_append(o, "\n");
    json_flows(o, sim);
    g_string_append(o, "\n");
    json_tcp(o, sim);
    if (sim->replays->len) /* only in runs that replay: other outputs unchanged */
        json_replays(o, sim);
    json_faults(o, sim);
    g_string_append(o, "\n");
    json_switches(o, sim);
    g_string_append(o, "\n");
    json_lacp(o, sim);
    if (sim->nats->len)
        json_nat(o, sim);
    json_load(o, sim);
    json_events(o, sim);
    g_string_append(o, "}\n");
    return g_string_free(o, FALSE);
}

gboolean report_write_json(const Sim *sim, const char *path, GError **error)
{
    g_autofree char *text = report_json(sim);
    /* g_file_set_contents writes a temporary file and renames it. */
    return g_file_set_contents(path, text, -1, error);
}

/* Removes DIR/<file> when it exists. */
static void remove_in(const char *dir, const char *file)
{
    g_autofree char *path = g_build_filename(dir, file, NULL);
    g_unlink(path);
}

void report_remove_data(const char *dir)
{
    remove_in(dir, "series.csv");
    remove_in(dir, "reorder.csv");
    for (guint i = 0; i < G_N_ELEMENTS(report_parts); i++)
        remove_in(dir, report_parts[i].file);
}

/* One table's CSV, or, when the table is absent from this run's summary, no
 * file (one left by an earlier run into the same directory goes). */
static gboolean write_table_csv(const Sim *sim, const char *dir, const ReportPart *part,
                                GError **error)
{
    g_autofree char *path = g_build_filename(dir, part->file, NULL);
    if (!part->present(sim)) {
        g_unlink(path);
        return TRUE;
    }
    GString *csv = g_string_new(NULL);
    part->render(sim, NULL, csv);
    gboolean ok = csv_write_file(path, csv->str, error);
    g_string_free(csv, TRUE);
    return ok;
}

gboolean report_write_data(const Sim *sim, const char *dir, GError **error)
{
    g_autofree char *series = g_build_filename(dir, "series.csv", NULL);
    g_autofree char *reorder = g_build_filename(dir, "reorder.csv", NULL);
    gboolean ok = (!sim->series || series_write_csv(sim->series, series, error)) &&
                  plot_write_reorder_csv(sim, reorder, error);
    for (guint i = 0; ok && i < G_N_ELEMENTS(report_parts); i++)
        ok = write_table_csv(sim, dir, &report_parts[i], error);
    if (!ok)
        report_remove_data(dir);
    return ok;
}

char *report_data_outputs(const Sim *sim, const char *dir)
{
    GString *o = g_string_new(NULL);
    if (sim->series)
        g_string_append_printf(o, "%s/series.csv, ", dir);
    g_string_append_printf(o, "%s/reorder.csv", dir);
    for (guint i = 0; i < G_N_ELEMENTS(report_parts); i++)
        if (report_parts[i].present(sim))
            g_string_append_printf(o, ", %s/%s", dir, report_parts[i].file);
    return g_string_free(o, FALSE);
}

/* ---- one-row figures (bondsim compare) ------------------------------------ */

/* Is fault gap `a` worse than `b`: no recovery first, then longer. */
static gboolean gap_worse(const FaultGap *a, const FaultGap *b)
{
    if (a->recovered != b->recovered)
        return !a->recovered;
    return a->gap_ps > b->gap_ps;
}

void report_totals(const Sim *sim, ReportTotals *out)
{
    g_return_if_fail(sim != NULL && out != NULL);
    memset(out, 0, sizeof *out);
    for (guint i = 0; i < sim->flows->len; i++) {
        const Flow *f = sim->flows->pdata[i];
        uint64_t until = MIN(f->stop_ps, sim->end_ps);
        out->sent += f->sent;
        out->received += f->received;
        out->lost += f->sent > f->received ? f->sent - f->received : 0;
        out->out_of_order += f->out_of_order;
        out->duplicates += f->duplicates;
        out->delivered_mbps += until > f->start_ps ? mbps(f->rx_bytes, until - f->start_ps) : 0.0;
    }
    for (guint i = 0; i < sim->switches->len; i++)
        out->mac_moves += ((const Switch *)sim->switches->pdata[i])->mac_moves;
    out->worst_gap_fault = -1;
    for (guint i = 0; sim->fault_gaps && i < sim->faults->len; i++) {
        const FaultGap *g = &sim->fault_gaps[i];
        if (!g->measured ||
            (out->worst_gap_fault >= 0 && !gap_worse(g, &sim->fault_gaps[out->worst_gap_fault])))
            continue;
        out->worst_gap_fault = (int)i;
        out->worst_gap_ps = g->gap_ps;
        out->worst_gap_recovered = g->recovered;
    }
}

void report_slave_tx_frames(const Bond *bond, uint64_t *frames)
{
    g_return_if_fail(bond != NULL && frames != NULL);
    for (int i = 0; i < bond->n_slaves; i++)
        frames[i] = bond->slaves[i].nic->c.tx_frames;
}

char *report_share_text(const uint64_t *counts, int n)
{
    g_return_val_if_fail(counts != NULL || n == 0, NULL);
    uint64_t total = 0;
    for (int i = 0; i < n; i++)
        total += counts[i];
    if (total == 0)
        return g_strdup("-");
    /* Whole percents rounded down, then the points left over go to the
     * largest remainders: the parts always add up to 100. */
    g_autofree uint64_t *pct = g_new0(uint64_t, n);
    g_autofree uint64_t *rem = g_new0(uint64_t, n);
    uint64_t given = 0;
    for (int i = 0; i < n; i++) {
        /* counts[i] * 100 cannot overflow: a run sends far fewer than 2^57 frames */
        pct[i] = counts[i] * 100 / total;
        rem[i] = counts[i] * 100 % total;
        given += pct[i];
    }
    for (; given < 100; given++) {
        int best = 0;
        for (int i = 1; i < n; i++)
            if (rem[i] > rem[best])
                best = i;
        pct[best]++;
        rem[best] = 0;
    }
    GString *s = g_string_new(NULL);
    for (int i = 0; i < n; i++)
        g_string_append_printf(s, "%s%" G_GUINT64_FORMAT, i ? "/" : "", pct[i]);
    return g_string_free(s, FALSE);
}

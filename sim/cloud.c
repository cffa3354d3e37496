/* cloud.c - cloud profiles and default port bindings (see cloud.h). */
#include "cloud.h"

#include <string.h>

#include "bond/bond.h"
#include "host.h"
#include "sim.h"
#include "stats/json.h"
#include "util/units.h"

GQuark cloud_error_quark(void)
{
    return g_quark_from_static_string("bondsim-cloud-error-quark");
}

/* The presets. What each provider documents (reference 13.12, research note
 * "anchors and users" 2 #23-27):
 * - AWS: an ENI's frames must carry its MAC; the "source/destination check"
 *   drops traffic an instance neither sends from nor receives at its own
 *   addresses; no teaming of ENIs, no LACP.
 * - Alibaba ECS: an ENI carries its own MAC and IP ("ENI binding"); an EIP is
 *   bound to one ENI; no LACP.
 * - Hyper-V, MacAddressSpoofing Off: a vNIC sources and receives only its
 *   own MAC; IPs are not checked (no IP anti-spoofing by default).
 * - Hyper-V, MacAddressSpoofing On + AllowTeaming On: the switch learns
 *   whatever MAC a guest uses; teams are switch-independent, so still no
 *   LACP. */
static const SwitchVsProfile cloud_profiles[] = {
    {"aws",
     true,
     true,
     true,
     true,
     true,
     {"ENI MAC address binding", "source/destination check", "source/destination check",
      "no LACP: ENIs cannot be teamed"}},
    {"alibaba",
     true,
     true,
     true,
     true,
     true,
     {"ENI binding (MAC)", "ENI binding (IP)", "ENI binding (destination)",
      "no LACP on the ECS vSwitch"}},
    {"hyperv-strict",
     true,
     false,
     true,
     false,
     true,
     {"MAC address spoofing", "-", "MAC address spoofing",
      "no LACP: switch-independent teaming only"}},
    {"hyperv-teaming",
     false,
     false,
     false,
     false,
     true,
     {"-", "-", "-", "AllowTeaming: switch-independent teaming only, no LACP"}},
};

const SwitchVsProfile *cloud_profile_find(const char *name)
{
    g_return_val_if_fail(name, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(cloud_profiles); i++)
        if (strcmp(cloud_profiles[i].name, name) == 0)
            return &cloud_profiles[i];
    return NULL;
}

const char *cloud_profile_list(void)
{
    return "aws, alibaba, hyperv-strict, hyperv-teaming, none";
}

/* The bond a NIC is a slave of, or NULL. */
static const Bond *cloud_bond_of(const Sim *sim, const Nic *nic, int *slave_index)
{
    for (guint i = 0; i < sim->bonds->len; i++) {
        const Bond *b = sim->bonds->pdata[i];
        for (int j = 0; j < b->n_slaves; j++)
            if (b->slaves[j].nic == nic) {
                *slave_index = j;
                return b;
            }
    }
    return NULL;
}

/* The plain interface of a host NIC, or NULL. */
static const Iface *cloud_iface_of(const Sim *sim, const Nic *nic)
{
    for (guint i = 0; i < sim->hosts->len; i++) {
        const Host *h = sim->hosts->pdata[i];
        for (int j = 0; j < h->n_ifaces; j++)
            if (h->ifaces[j]->nic == nic)
                return h->ifaces[j];
    }
    return NULL;
}

static bool cloud_is_switch_port(const Sim *sim, const Nic *nic)
{
    for (guint i = 0; i < sim->switches->len; i++) {
        const Switch *sw = sim->switches->pdata[i];
        if (nic->owner == sw)
            return true;
    }
    return false;
}

void cloud_default_binding(const Sim *sim, const Switch *sw, int port, SwitchBinding *out)
{
    g_return_if_fail(sim && sw && out && port >= 0 && port < sw->n_ports);
    memset(out, 0, sizeof(*out));
    const Nic *peer = nic_peer(sw->ports[port]);
    if (!peer)
        return;
    if (cloud_is_switch_port(sim, peer)) {
        out->trusted = true;
        return;
    }
    out->has_mac = true;
    memcpy(out->mac, peer->perm_mac, 6);
    int slave = -1;
    const Bond *b = cloud_bond_of(sim, peer, &slave);
    const Iface *ifc = b ? (slave == 0 ? b->iface : NULL) : cloud_iface_of(sim, peer);
    if (ifc && ifc->has_ip) {
        memcpy(out->ip[0], ifc->ip, 4);
        out->n_ip = 1;
    }
}

static gboolean cloud_parse_ips(const char *v, SwitchBinding *b, GError **error)
{
    b->n_ip = 0;
    if (strcmp(v, "none") == 0)
        return TRUE;
    g_auto(GStrv) ips = g_strsplit(v, ",", -1);
    for (int i = 0; ips[i]; i++) {
        if (b->n_ip == SWITCH_VS_MAX_IPS)
            return g_set_error(error, CLOUD_ERROR, 0, "more than %d addresses on one port",
                               SWITCH_VS_MAX_IPS),
                   FALSE;
        if (!units_parse_ipv4(ips[i], b->ip[b->n_ip], error))
            return FALSE;
        b->n_ip++;
    }
    return TRUE;
}

gboolean cloud_parse_binding(const char *text, SwitchBinding *b, GError **error)
{
    g_return_val_if_fail(text && b, FALSE);
    g_auto(GStrv) tok = g_strsplit_set(text, " \t", -1);
    int given = 0;
    for (int i = 0; tok[i]; i++) {
        if (!tok[i][0])
            continue;
        given++;
        if (strcmp(tok[i], "trusted") == 0) {
            memset(b, 0, sizeof(*b));
            b->trusted = true;
            continue;
        }
        if (g_str_has_prefix(tok[i], "mac=")) {
            if (!units_parse_mac(tok[i] + 4, b->mac, error))
                return FALSE;
            b->has_mac = true;
            b->trusted = false;
        } else if (g_str_has_prefix(tok[i], "ip=")) {
            if (!cloud_parse_ips(tok[i] + 3, b, error))
                return FALSE;
            b->trusted = false;
        } else {
            return g_set_error(error, CLOUD_ERROR, 0,
                               "'%s': expected 'trusted' or 'mac=MAC ip=ADDR[,ADDR...]' "
                               "(ip=none: no address)",
                               tok[i]),
                   FALSE;
        }
    }
    if (!given)
        return g_set_error(error, CLOUD_ERROR, 0,
                           "expected 'trusted' or 'mac=MAC ip=ADDR[,ADDR...]'"),
               FALSE;
    return TRUE;
}

char *cloud_binding_text(const SwitchBinding *b)
{
    if (b->trusted)
        return g_strdup("trusted");
    GString *s = g_string_new(NULL);
    char buf[24];
    if (b->has_mac)
        g_string_append_printf(s, "mac=%s", units_format_mac(b->mac, buf, sizeof(buf)));
    for (int i = 0; i < b->n_ip; i++)
        g_string_append_printf(s, "%s%s", i ? "," : (s->len ? " ip=" : "ip="),
                               units_format_ipv4(b->ip[i], buf, sizeof(buf)));
    if (!s->len)
        g_string_append(s, "nothing");
    return g_string_free(s, FALSE);
}

char *cloud_switch_json(const Switch *sw)
{
    g_return_val_if_fail(sw, NULL);
    if (!sw->vs)
        return NULL;
    GString *o = g_string_new(NULL);
    g_string_append_c(o, '{');
    json_kv_str(o, "profile", sw->vs->profile->name, TRUE);
    g_string_append(o, "\"ports\":[");
    bool first = true;
    for (int p = 0; p < sw->n_ports; p++) {
        if (!sw->ports[p]->link)
            continue;
        g_autofree char *bound = cloud_binding_text(&sw->vs->bind[p]);
        /* names come from the scenario file: escaped */
        g_string_append(o, first ? "{" : ",{");
        json_kv_str(o, "name", sw->ports[p]->name, TRUE);
        json_kv_str(o, "binding", bound, TRUE);
        g_string_append(o, "\"drops\":{");
        first = false;
        for (int r = 0; r < SWITCH_VS_DROP_COUNT; r++)
            g_string_append_printf(o, "%s\"%s\":%" G_GUINT64_FORMAT, r ? "," : "",
                                   switch_vs_drop_names[r], sw->vs->drops[p][r]);
        g_string_append(o, "}}");
    }
    g_string_append(o, "]}");
    return g_string_free(o, FALSE);
}

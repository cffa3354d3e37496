/* nat.c - the NAT box: translation, connection table, ARP proxy (see nat.h). */
#include "nat.h"

#include <string.h>

#include "sim.h"
#include "util/bytes.h"

const char *const nat_drop_names[NAT_DROP_COUNT] = {
    [NAT_DROP_NO_MAPPING] = "no-mapping",   [NAT_DROP_NO_EIP] = "no-eip",
    [NAT_DROP_TABLE_FULL] = "table-full",   [NAT_DROP_NO_PORT] = "no-port",
    [NAT_DROP_UNSUPPORTED] = "unsupported", [NAT_DROP_TTL] = "ttl-exceeded",
    [NAT_DROP_NO_ROUTE] = "no-route",       [NAT_DROP_MALFORMED] = "malformed",
};

#define PS_PER_S 1000000000000ull

#define NAT_NOTE_FIRST 16   /* drops commented per reason and box, then */
#define NAT_NOTE_EVERY 1000 /* every 1000th */

/* ---- types ------------------------------------------------------------- */

/* A 5-tuple as a packet carries it; ICMP echo: the identifier is `sport` of
 * a request and `dport` of a reply, the other port 0. */
typedef struct {
    uint32_t src, dst;
    uint16_t sport, dport;
    uint8_t proto;
} NatKey;

typedef enum { CT_NEW = 0, CT_REPLIED, CT_FIN, CT_RST } NatCtState;

typedef struct {
    NatKey in;           /* as packets from the inside carry it: private -> remote */
    NatKey out;          /* as packets from the outside carry it: remote -> public */
    uint64_t expires_ps; /* removed when met after this */
    uint8_t state;       /* NatCtState */
    uint8_t opened_from; /* NatSide of the first packet */
    bool used;
    uint32_t next_free; /* free list, when !used */
} NatConn;

/* A hash slot: ref 0 = empty, else (connection << 1 | outside key) + 1. */
typedef struct {
    uint32_t ref;
    uint32_t hash;
} NatSlot;

typedef struct {
    uint32_t pub;     /* public address */
    uint32_t priv;    /* EIP: the private address it is bound to */
    const Iface *out; /* masquerade: its outside interface; NULL for an EIP */
} NatPublic;

struct NatBox {
    Host *host;     /* borrowed: the Sim owns it */
    NatConn *conns; /* capacity entries, owned */
    NatSlot *slots; /* n_slots, owned */
    uint32_t capacity;
    uint32_t n_slots;   /* power of two >= 4 x capacity */
    uint32_t free_head; /* first free connection, UINT32_MAX: none */
    /* No used connection expires before this (a lower bound, exact after a
     * full scan): a full table with nothing expired is then known at once,
     * without scanning it for every new connection's packet. */
    uint64_t min_expires_ps;
    NatPublic pubs[NAT_MAX_PUBLIC];
    int n_pubs;
    NatSide sides[HOST_MAX_IFACES]; /* by interface index in the host */
    NatTimeouts to;
    NatStats st;
};

/* ---- setup --------------------------------------------------------------- */

void nat_timeouts_default(NatTimeouts *t)
{
    t->udp_ps = 30 * PS_PER_S;
    t->udp_stream_ps = 120 * PS_PER_S;
    t->icmp_ps = 30 * PS_PER_S;
    t->tcp_syn_ps = 120 * PS_PER_S;
    t->tcp_established_ps = 5ull * 24 * 3600 * PS_PER_S;
    t->tcp_fin_ps = 120 * PS_PER_S;
    t->tcp_rst_ps = 10 * PS_PER_S;
}

NatBox *nat_new(Sim *sim, Host *host, uint32_t capacity)
{
    (void)sim;
    g_return_val_if_fail(host && !host->nat, NULL);
    g_return_val_if_fail(capacity >= 1 && capacity <= NAT_MAX_CAPACITY, NULL);
    NatBox *n = g_new0(NatBox, 1);
    n->host = host;
    n->capacity = capacity;
    n->n_slots = 8;
    while (n->n_slots < 4 * capacity)
        n->n_slots <<= 1;
    n->conns = g_new0(NatConn, capacity);
    n->slots = g_new0(NatSlot, n->n_slots);
    for (uint32_t i = 0; i < capacity; i++)
        n->conns[i].next_free = i + 1 < capacity ? i + 1 : UINT32_MAX;
    n->free_head = 0;
    n->min_expires_ps = UINT64_MAX;
    nat_timeouts_default(&n->to);
    host->nat = n;
    return n;
}

void nat_free(NatBox *nat)
{
    if (!nat)
        return;
    if (nat->host && nat->host->nat == nat)
        nat->host->nat = NULL;
    g_free(nat->conns);
    g_free(nat->slots);
    g_free(nat);
}

Host *nat_host(const NatBox *nat)
{
    return nat->host;
}

const char *nat_name(const NatBox *nat)
{
    return nat->host->name;
}

static int iface_index(const Host *h, const Iface *iface)
{
    for (int i = 0; i < h->n_ifaces; i++)
        if (h->ifaces[i] == iface)
            return i;
    return -1;
}

static void nat_hook_notes(NatBox *nat);

void nat_set_side(NatBox *nat, Iface *iface, NatSide side)
{
    int i = iface_index(nat->host, iface);
    g_return_if_fail(i >= 0);
    nat->sides[i] = side;
    nat_hook_notes(nat);
}

NatSide nat_side(const NatBox *nat, const Iface *iface)
{
    int i = iface_index(nat->host, iface);
    return i < 0 ? NAT_SIDE_NONE : nat->sides[i];
}

static const NatPublic *pub_find(const NatBox *nat, uint32_t pub)
{
    for (int i = 0; i < nat->n_pubs; i++)
        if (nat->pubs[i].pub == pub)
            return &nat->pubs[i];
    return NULL;
}

static bool pub_add(NatBox *nat, uint32_t pub, uint32_t priv, const Iface *out)
{
    if (nat->n_pubs >= NAT_MAX_PUBLIC || pub_find(nat, pub))
        return false;
    nat->pubs[nat->n_pubs++] = (NatPublic){.pub = pub, .priv = priv, .out = out};
    return true;
}

bool nat_add_masquerade(NatBox *nat, Iface *outside, const uint8_t pub[4])
{
    g_return_val_if_fail(outside, false);
    return pub_add(nat, get_be32(pub), 0, outside);
}

bool nat_add_eip(NatBox *nat, const uint8_t priv[4], const uint8_t pub[4])
{
    for (int i = 0; i < nat->n_pubs; i++)
        if (!nat->pubs[i].out && nat->pubs[i].priv == get_be32(priv))
            return false; /* one EIP per private address */
    return pub_add(nat, get_be32(pub), get_be32(priv), NULL);
}

void nat_set_timeouts(NatBox *nat, const NatTimeouts *t)
{
    nat->to = *t;
}

NatPublicKind nat_public_kind(const NatBox *nat, const uint8_t pub[4], uint8_t priv[4])
{
    const NatPublic *p = pub_find(nat, get_be32(pub));
    if (!p)
        return NAT_PUBLIC_NONE;
    if (p->out)
        return NAT_PUBLIC_MASQUERADE;
    if (priv)
        put_be32(priv, p->priv);
    return NAT_PUBLIC_EIP;
}

const NatStats *nat_stats(const NatBox *nat)
{
    return &nat->st;
}

bool nat_arp_proxy(const NatBox *nat, const Iface *iface, const uint8_t ip[4])
{
    if (nat_side(nat, iface) != NAT_SIDE_OUTSIDE)
        return false;
    const NatPublic *p = pub_find(nat, get_be32(ip));
    return p && (!p->out || p->out == iface);
}

/* ---- checksums (RFC 1624) ------------------------------------------------ */

uint16_t nat_csum_update16(uint16_t hc, uint16_t m, uint16_t m2)
{
    uint32_t sum = (uint32_t)(uint16_t)~hc + (uint16_t)~m + m2;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static void csum_field_update32(uint8_t *csum, uint32_t old, uint32_t new_)
{
    uint16_t c = get_be16(csum);
    c = nat_csum_update16(c, (uint16_t)(old >> 16), (uint16_t)(new_ >> 16));
    c = nat_csum_update16(c, (uint16_t)old, (uint16_t)new_);
    put_be16(csum, c);
}

static void csum_field_update16(uint8_t *csum, uint16_t old, uint16_t new_)
{
    put_be16(csum, nat_csum_update16(get_be16(csum), old, new_));
}

/* ---- the connection table ------------------------------------------------ */

static uint32_t key_hash(const NatKey *k)
{
    uint64_t x =
        ((uint64_t)k->src << 32 | k->dst) ^
        ((uint64_t)k->sport << 24 | (uint64_t)k->dport << 8 | k->proto) * 0x9e3779b97f4a7c15ull;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return (uint32_t)x;
}

static bool key_equal(const NatKey *a, const NatKey *b)
{
    return a->src == b->src && a->dst == b->dst && a->sport == b->sport && a->dport == b->dport &&
           a->proto == b->proto;
}

static const NatKey *slot_key(const NatBox *nat, uint32_t ref)
{
    const NatConn *c = &nat->conns[(ref - 1) >> 1];
    return ((ref - 1) & 1) ? &c->out : &c->in;
}

/* The slot holding `k`, or UINT32_MAX. */
static uint32_t slot_find(const NatBox *nat, const NatKey *k, uint32_t h)
{
    uint32_t mask = nat->n_slots - 1;
    for (uint32_t i = h & mask;; i = (i + 1) & mask) {
        const NatSlot *s = &nat->slots[i];
        if (!s->ref)
            return UINT32_MAX;
        if (s->hash == h && key_equal(slot_key(nat, s->ref), k))
            return i;
    }
}

static void slot_insert(NatBox *nat, const NatKey *k, uint32_t ref)
{
    uint32_t mask = nat->n_slots - 1, h = key_hash(k);
    uint32_t i = h & mask;
    while (nat->slots[i].ref)
        i = (i + 1) & mask;
    nat->slots[i] = (NatSlot){.ref = ref, .hash = h};
}

/* Backward-shift deletion: later slots of the probe run move up so that no
 * lookup meets a hole before its key (no tombstones to accumulate). */
static void slot_delete(NatBox *nat, uint32_t i)
{
    uint32_t mask = nat->n_slots - 1, j = i;
    for (;;) {
        nat->slots[i].ref = 0;
        for (;;) {
            j = (j + 1) & mask;
            if (!nat->slots[j].ref)
                return;
            uint32_t home = nat->slots[j].hash & mask;
            bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
            if (!stays)
                break;
        }
        nat->slots[i] = nat->slots[j];
        i = j;
    }
}

static void conn_remove(NatBox *nat, uint32_t ci)
{
    NatConn *c = &nat->conns[ci];
    uint32_t s = slot_find(nat, &c->in, key_hash(&c->in));
    g_assert(s != UINT32_MAX);
    slot_delete(nat, s);
    s = slot_find(nat, &c->out, key_hash(&c->out));
    g_assert(s != UINT32_MAX);
    slot_delete(nat, s);
    c->used = false;
    c->next_free = nat->free_head;
    nat->free_head = ci;
    nat->st.active--;
}

/* The live connection indexed by `k` (its ref in *ref), removing it when it
 * has expired. */
static NatConn *conn_lookup(NatBox *nat, const NatKey *k, uint64_t now, uint32_t *ref)
{
    uint32_t s = slot_find(nat, k, key_hash(k));
    if (s == UINT32_MAX)
        return NULL;
    uint32_t r = nat->slots[s].ref, ci = (r - 1) >> 1;
    if (nat->conns[ci].expires_ps <= now) {
        conn_remove(nat, ci);
        nat->st.expired++;
        return NULL;
    }
    *ref = r;
    return &nat->conns[ci];
}

/* The same without removing anything: the live connection indexed by `k`. */
static NatConn *conn_peek(NatBox *nat, const NatKey *k, uint64_t now, uint32_t *ref)
{
    uint32_t s = slot_find(nat, k, key_hash(k));
    if (s == UINT32_MAX)
        return NULL;
    uint32_t r = nat->slots[s].ref;
    if (nat->conns[(r - 1) >> 1].expires_ps <= now)
        return NULL;
    *ref = r;
    return &nat->conns[(r - 1) >> 1];
}

/* conn_lookup when `commit`, else conn_peek: an expired entry is absent
 * either way, so both give the same answer. */
static NatConn *conn_get(NatBox *nat, const NatKey *k, uint64_t now, bool commit, uint32_t *ref)
{
    return commit ? conn_lookup(nat, k, now, ref) : conn_peek(nat, k, now, ref);
}

/* Whether some entry has expired (a sweep would free it). O(1) while `now`
 * is below the lower bound; a scan that finds nothing expired makes the
 * bound exact, so a full table costs one scan per expiry, not per packet. */
static bool conn_any_expired(NatBox *nat, uint64_t now)
{
    if (now < nat->min_expires_ps)
        return false;
    uint64_t min = UINT64_MAX;
    for (uint32_t i = 0; i < nat->capacity; i++) {
        const NatConn *c = &nat->conns[i];
        if (!c->used)
            continue;
        if (c->expires_ps <= now)
            return true;
        min = MIN(min, c->expires_ps);
    }
    nat->min_expires_ps = min;
    return false;
}

/* Full table: remove every expired connection and make the bound exact.
 * O(capacity), only when a new connection finds no free entry and
 * conn_any_expired says one has expired. */
static void conn_sweep(NatBox *nat, uint64_t now)
{
    if (!conn_any_expired(nat, now))
        return;
    uint64_t min = UINT64_MAX;
    for (uint32_t i = 0; i < nat->capacity; i++) {
        if (!nat->conns[i].used)
            continue;
        if (nat->conns[i].expires_ps <= now) {
            conn_remove(nat, i);
            nat->st.expired++;
        } else {
            min = MIN(min, nat->conns[i].expires_ps);
        }
    }
    nat->min_expires_ps = min;
}

static NatConn *conn_create(NatBox *nat, const NatKey *in, const NatKey *out, NatSide from,
                            uint64_t now, NatDrop *why)
{
    if (nat->free_head == UINT32_MAX)
        conn_sweep(nat, now);
    if (nat->free_head == UINT32_MAX) {
        *why = NAT_DROP_TABLE_FULL;
        return NULL;
    }
    uint32_t ci = nat->free_head;
    NatConn *c = &nat->conns[ci];
    nat->free_head = c->next_free;
    *c = (NatConn){.in = *in, .out = *out, .used = true, .opened_from = (uint8_t)from};
    slot_insert(nat, in, (ci << 1) + 1);
    slot_insert(nat, out, (ci << 1 | 1) + 1);
    nat->st.created++;
    if (++nat->st.active > nat->st.peak)
        nat->st.peak = nat->st.active;
    return c;
}

/* ---- packets ------------------------------------------------------------- */

typedef struct {
    uint8_t *ip;
    uint8_t *l4;
    uint32_t l4_len;
    NatKey k;
    uint8_t icmp_type; /* 8 request, 0 reply */
} NatPkt;

static bool pkt_parse(uint8_t *ip, uint32_t len, NatPkt *p, NatDrop *why)
{
    uint32_t ihl = (uint32_t)(ip[0] & 0x0f) * 4;
    if (len < 20 || ihl < 20 || len < ihl || get_be16(ip + 2) > len || get_be16(ip + 2) < ihl) {
        *why = NAT_DROP_MALFORMED;
        return false;
    }
    p->ip = ip;
    p->l4 = ip + ihl;
    p->l4_len = get_be16(ip + 2) - ihl;
    p->k = (NatKey){.src = get_be32(ip + 12), .dst = get_be32(ip + 16), .proto = ip[9]};
    if ((get_be16(ip + 6) & 0x3fff) != 0) { /* a fragment: ports unknown */
        *why = NAT_DROP_UNSUPPORTED;
        return false;
    }
    uint32_t need = ip[9] == 6 ? 20 : 8;
    if ((ip[9] == 6 || ip[9] == 17 || ip[9] == 1) && p->l4_len < need) {
        *why = NAT_DROP_MALFORMED;
        return false;
    }
    if (ip[9] == 6 || ip[9] == 17) {
        p->k.sport = get_be16(p->l4);
        p->k.dport = get_be16(p->l4 + 2);
        return true;
    }
    if (ip[9] == 1 && (p->l4[0] == 8 || p->l4[0] == 0)) {
        p->icmp_type = p->l4[0];
        if (p->icmp_type == 8)
            p->k.sport = get_be16(p->l4 + 4);
        else
            p->k.dport = get_be16(p->l4 + 4);
        return true;
    }
    *why = NAT_DROP_UNSUPPORTED;
    return false;
}

/* Rewrites the address at ip+off (12 source, 16 destination) and the port
 * (0 source, 2 destination; the ICMP identifier) with their checksums. */
static void pkt_rewrite(NatPkt *p, bool source, uint32_t addr, uint16_t port)
{
    uint8_t *a = p->ip + (source ? 12 : 16);
    uint32_t old_a = get_be32(a);
    csum_field_update32(p->ip + 10, old_a, addr);
    put_be32(a, addr);
    uint8_t *csum = NULL;
    if (p->k.proto == 6)
        csum = p->l4 + 16;
    else if (p->k.proto == 17 && get_be16(p->l4 + 6) != 0)
        csum = p->l4 + 6; /* UDP checksum 0: none, stays 0 */
    else if (p->k.proto == 1)
        csum = p->l4 + 2;
    uint8_t *pf = NULL;
    if (p->k.proto == 1)
        pf = (p->icmp_type == 8) == source ? p->l4 + 4 : NULL;
    else
        pf = p->l4 + (source ? 0 : 2);
    if (csum && p->k.proto != 1)
        csum_field_update32(csum, old_a, addr); /* pseudo-header */
    if (pf) {
        uint16_t old_p = get_be16(pf);
        if (csum)
            csum_field_update16(csum, old_p, port);
        put_be16(pf, port);
    }
    if (p->k.proto == 17 && csum && get_be16(csum) == 0)
        put_be16(csum, 0xffff); /* RFC 768: a computed 0 is sent as all ones */
}

static void conn_touch(NatBox *nat, NatConn *c, const NatPkt *p, NatSide from, uint64_t now)
{
    if (from != c->opened_from && c->state == CT_NEW)
        c->state = CT_REPLIED;
    if (p->k.proto == 6) {
        uint8_t flags = p->l4[13];
        if (flags & 0x04)
            c->state = CT_RST;
        else if ((flags & 0x01) && c->state != CT_RST)
            c->state = CT_FIN;
    }
    const NatTimeouts *t = &nat->to;
    uint64_t d;
    if (p->k.proto == 6)
        d = c->state == CT_RST   ? t->tcp_rst_ps
            : c->state == CT_FIN ? t->tcp_fin_ps
            : c->state == CT_NEW ? t->tcp_syn_ps
                                 : t->tcp_established_ps;
    else if (p->k.proto == 17)
        d = c->state == CT_NEW ? t->udp_ps : t->udp_stream_ps;
    else
        d = t->icmp_ps;
    c->expires_ps = now + d;
    nat->min_expires_ps = MIN(nat->min_expires_ps, c->expires_ps);
}

/* The public address for a private source leaving through `out`. */
static bool snat_public(const NatBox *nat, uint32_t priv, const Iface *out, uint32_t *pub)
{
    for (int i = 0; i < nat->n_pubs; i++)
        if (!nat->pubs[i].out && nat->pubs[i].priv == priv) {
            *pub = nat->pubs[i].pub;
            return true;
        }
    for (int i = 0; i < nat->n_pubs; i++)
        if (out && nat->pubs[i].out == out) {
            *pub = nat->pubs[i].pub;
            return true;
        }
    return false;
}

/* The outside key of a new inside -> outside connection: the public address
 * of the source, the source port kept when free, else the next free one
 * (1024-65535; ICMP ids 0-65535). */
static bool snat_key(NatBox *nat, const NatPkt *p, const Iface *out, uint64_t now, bool commit,
                     NatKey *out_k, NatDrop *why)
{
    uint32_t pub;
    if (!snat_public(nat, p->k.src, out, &pub)) {
        *why = NAT_DROP_NO_EIP;
        return false;
    }
    bool icmp = p->k.proto == 1;
    uint16_t orig = icmp && p->icmp_type == 0 ? p->k.dport : p->k.sport;
    uint32_t lo = icmp ? 0 : 1024, n_ports = 65536 - lo;
    *out_k = (NatKey){.src = p->k.dst, .dst = pub, .proto = p->k.proto};
    for (uint32_t i = 0; i <= n_ports; i++) {
        uint16_t port = i == 0 ? orig : (uint16_t)(lo + (orig - lo + i) % n_ports);
        if (icmp && p->icmp_type == 0) { /* reply from inside: id in dport */
            out_k->sport = port;
            out_k->dport = 0;
        } else {
            out_k->sport = p->k.dport;
            out_k->dport = port;
        }
        uint32_t ref;
        if (!conn_get(nat, out_k, now, commit, &ref))
            return true;
    }
    *why = NAT_DROP_NO_PORT;
    return false;
}

/* The inside key of a packet from outside to an EIP with no connection
 * (static 1:1 DNAT). */
static bool dnat_key(NatBox *nat, const NatPkt *p, uint64_t now, bool commit, NatKey *in_k,
                     NatDrop *why)
{
    const NatPublic *pb = pub_find(nat, p->k.dst);
    if (!pb || pb->out) {
        *why = NAT_DROP_NO_MAPPING;
        return false;
    }
    *in_k = (NatKey){.src = pb->priv,
                     .dst = p->k.src,
                     .sport = p->k.dport,
                     .dport = p->k.sport,
                     .proto = p->k.proto};
    uint32_t ref;
    if (conn_get(nat, in_k, now, commit, &ref)) {
        *why = NAT_DROP_NO_PORT;
        return false;
    }
    return true;
}

/* The connection a parsed packet belongs to, opened when it is the first.
 * With `commit` false nothing changes (the look-ahead of the capture
 * comment, nat_nic_rx_note): every step is the same, but an expired entry is
 * skipped instead of removed and no connection is created (*conn stays
 * NULL), so the answer is the one a committed call would give now. */
static bool nat_decide(NatBox *nat, const NatPkt *p, NatSide from, const Iface *out, uint64_t now,
                       bool commit, NatConn **conn, NatDrop *why)
{
    uint32_t ref;
    *conn = conn_get(nat, &p->k, now, commit, &ref);
    if (*conn) {
        if ((((ref - 1) & 1) != 0) != (from == NAT_SIDE_OUTSIDE)) {
            /* the 5-tuple of the other side of a connection (a private host
             * sending from a public address, or the reverse): never a new
             * one, which would index one key twice */
            *why = NAT_DROP_NO_MAPPING;
            return false;
        }
        return true;
    }
    NatKey in_k = p->k, out_k = p->k;
    if (from == NAT_SIDE_OUTSIDE ? !dnat_key(nat, p, now, commit, &in_k, why)
                                 : !snat_key(nat, p, out, now, commit, &out_k, why))
        return false;
    if (!commit) {
        /* conn_create: a full table is swept first (the lookups above may
         * already have removed some of the expired entries) */
        if (nat->free_head == UINT32_MAX && !conn_any_expired(nat, now)) {
            *why = NAT_DROP_TABLE_FULL;
            return false;
        }
        return true;
    }
    *conn = conn_create(nat, &in_k, &out_k,
                        from == NAT_SIDE_OUTSIDE ? NAT_SIDE_OUTSIDE : NAT_SIDE_INSIDE, now, why);
    return *conn != NULL;
}

/* nat_translate, or with `commit` false its verdict alone. */
static bool translate(NatBox *nat, NatSide from, Iface *out, uint8_t *ip, uint32_t len,
                      uint64_t now_ps, bool commit, NatDrop *why)
{
    NatPkt p;
    if (!pkt_parse(ip, len, &p, why))
        return false;
    NatConn *c;
    if (!nat_decide(nat, &p, from, out, now_ps, commit, &c, why))
        return false;
    if (!commit)
        return true;
    conn_touch(nat, c, &p, from, now_ps);
    if (from == NAT_SIDE_OUTSIDE) {
        /* dst -> the private end: in.src, port in.sport (ICMP: the id field) */
        pkt_rewrite(&p, false, c->in.src, p.k.proto == 1 ? c->in.sport | c->in.dport : c->in.sport);
        nat->st.dnat++;
    } else {
        pkt_rewrite(&p, true, c->out.dst,
                    p.k.proto == 1 ? c->out.sport | c->out.dport : c->out.dport);
        nat->st.snat++;
    }
    return true;
}

bool nat_translate(NatBox *nat, NatSide from, Iface *out, uint8_t *ip, uint32_t len,
                   uint64_t now_ps, NatDrop *why)
{
    return translate(nat, from, out, ip, len, now_ps, true, why);
}

/* ---- the hook ------------------------------------------------------------ */

static bool is_local(const Host *h, const uint8_t ip[4])
{
    for (int i = 0; i < h->n_ifaces; i++)
        if (h->ifaces[i]->has_ip && memcmp(h->ifaces[i]->ip, ip, 4) == 0)
            return true;
    return false;
}

/* What the box does with an IPv4 packet `iface` received. */
enum {
    NAT_RX_FORWARD = -1, /* translated (or routed between inside interfaces) */
    NAT_RX_LOCAL = -2,   /* for the box's own stack */
};

/* The decision of nat_ip_rx: NAT_RX_FORWARD, NAT_RX_LOCAL or the NatDrop
 * reason. With `commit` the packet is translated and the counters move;
 * without, nothing changes (nat_nic_rx_note asks before the capture). */
static int nat_rx_decide(Sim *sim, NatBox *nat, Iface *iface, Frame *f, bool commit)
{
    Host *h = nat->host;
    uint8_t *ip = f->data + ETH_HLEN;
    uint32_t len = f->len - ETH_HLEN;
    NatSide from = nat_side(nat, iface);
    bool local = is_local(h, ip + 16);
    if (local && from != NAT_SIDE_OUTSIDE)
        return NAT_RX_LOCAL;
    if (!local && ip[8] <= 1) /* before translating: no connection for it */
        return NAT_DROP_TTL;
    NatDrop why;
    bool ok;
    if (from == NAT_SIDE_OUTSIDE) {
        ok = translate(nat, from, NULL, ip, len, sim->eng.now_ps, commit, &why);
        if (!ok && local && why == NAT_DROP_NO_MAPPING)
            return NAT_RX_LOCAL; /* for the box itself */
    } else {
        Iface *out = host_route_iface_cached(h, ip + 16);
        if (!out)
            return NAT_DROP_NO_ROUTE;
        if (nat_side(nat, out) == NAT_SIDE_OUTSIDE) {
            ok = translate(nat, NAT_SIDE_INSIDE, out, ip, len, sim->eng.now_ps, commit, &why);
        } else {
            ok = true;
            if (commit)
                nat->st.routed++;
        }
    }
    if (ok && ip[8] <= 1) /* to a public address that is the box's own */
        return NAT_DROP_TTL;
    return ok ? NAT_RX_FORWARD : (int)why;
}

bool nat_ip_rx(Sim *sim, NatBox *nat, Iface *iface, Frame *f)
{
    int d = nat_rx_decide(sim, nat, iface, f, true);
    if (d == NAT_RX_LOCAL)
        return false;
    if (d != NAT_RX_FORWARD) {
        nat->st.drops[d]++;
        frame_free(&sim->pool, f);
        return true;
    }
    uint8_t *ip = f->data + ETH_HLEN;
    csum_field_update16(ip + 10, get_be16(ip + 8), (uint16_t)(get_be16(ip + 8) - 0x100));
    ip[8]--;
    uint8_t dst[4];
    memcpy(dst, ip + 16, 4);
    host_forward_ip(sim, nat->host, f, dst);
    return true;
}

/* ---- drop comments --------------------------------------------------------- */

/* Whether the host stack hands `f`, just arrived at `iface`, to nat_ip_rx:
 * host_rx's destination MAC and EtherType tests, then ipv4_rx's header
 * checks (sim/host.c). A frame for an IPv6 multicast group (33:33:...) is
 * left out: no IPv4 packet comes that way. */
static bool nat_rx_reaches(const Iface *iface, const Frame *f)
{
    const uint8_t *d = f->data, *ip = f->data + ETH_HLEN;
    if (f->len < ETH_HLEN + 20 || frame_ethertype(f) != ETH_P_IP)
        return false;
    if (!mac_equal(d, iface->mac) && (!mac_is_multicast(d) || (d[0] == 0x33 && d[1] == 0x33)))
        return false;
    uint32_t ihl = (uint32_t)(ip[0] & 0x0f) * 4, total = get_be16(ip + 2);
    return (ip[0] >> 4) == 4 && ihl >= 20 && total >= ihl && ETH_HLEN + total <= f->len;
}

/* The capture comment of a packet the box is about to drop, asked by the NIC
 * before it captures the packet (Nic.rx_note): the same decision as
 * nat_ip_rx, made without changing anything (nat_rx_decide). Commented: the
 * first NAT_NOTE_FIRST drops of each reason on a box, then every
 * NAT_NOTE_EVERY-th, as the switch's MAC moves, so a flood does not bury the
 * capture; the count is the drop's number among those of its reason. Only
 * those notes are formatted; an uncaptured NIC costs nothing. */
static const char *nat_nic_rx_note(Sim *sim, Nic *nic, Frame *f)
{
    Iface *iface = nic->owner;
    NatBox *nat = iface->host->nat;
    if (nic->cap_if < 0 || !nat || !nat_rx_reaches(iface, f))
        return NULL;
    int d = nat_rx_decide(sim, nat, iface, f, false);
    if (d < 0)
        return NULL;
    uint64_t n = nat->st.drops[d] + 1;
    if (n > NAT_NOTE_FIRST && n % NAT_NOTE_EVERY != 0)
        return NULL;
    return sim_internf(sim, "bondsim: drop %s %s reason=%s count=%" G_GUINT64_FORMAT,
                       nat->host->name, iface->name, nat_drop_names[d], n);
}

/* Every interface of the box that is a plain NIC gets the note hook (a
 * bond's slaves keep the bond's own: drops behind a bond are counted, not
 * commented). Called when sides are set, by then every interface exists;
 * idempotent. */
static void nat_hook_notes(NatBox *nat)
{
    Host *h = nat->host;
    for (int i = 0; i < h->n_ifaces; i++) {
        Nic *nic = h->ifaces[i]->nic;
        if (nic && nic->owner == h->ifaces[i] && !nic->rx_note)
            nic->rx_note = nat_nic_rx_note;
    }
}

/* frame.c - the frame pool (see frame.h).
 *
 * Frames and their data live in chunks of FRAME_POOL_CHUNK: one allocation for
 * the Frame headers and one for the data area. Chunks are only freed with the
 * pool, so memory follows the peak number of frames in flight, not the length
 * of the run. GLib's GSlice would allocate per object and is deprecated.
 */
#include "frame.h"

#include <string.h>

typedef struct {
    Frame *frames;
    uint8_t *data;
} FrameChunk;

static void frame_chunk_free(gpointer p)
{
    FrameChunk *c = p;
    g_free(c->frames);
    g_free(c->data);
    g_free(c);
}

void frame_pool_init(FramePool *pool, uint32_t frame_cap, uint64_t limit)
{
    memset(pool, 0, sizeof(*pool));
    pool->frame_cap = frame_cap;
    pool->limit = limit;
    pool->chunks = g_ptr_array_new_with_free_func(frame_chunk_free);
}

void frame_pool_clear(FramePool *pool)
{
    if (pool->chunks)
        g_ptr_array_free(pool->chunks, TRUE);
    pool->chunks = NULL;
    pool->free_list = NULL;
}

static bool frame_pool_grow(FramePool *pool)
{
    if (pool->total + FRAME_POOL_CHUNK > pool->limit)
        return false;
    FrameChunk *c = g_new(FrameChunk, 1);
    c->frames = g_new0(Frame, FRAME_POOL_CHUNK);
    c->data = g_malloc((gsize)pool->frame_cap * FRAME_POOL_CHUNK);
    for (unsigned i = 0; i < FRAME_POOL_CHUNK; i++) {
        Frame *f = &c->frames[i];
        f->data = c->data + (gsize)i * pool->frame_cap;
        f->cap = pool->frame_cap;
        f->next = pool->free_list;
        pool->free_list = f;
    }
    g_ptr_array_add(pool->chunks, c);
    pool->total += FRAME_POOL_CHUNK;
    return true;
}

Frame *frame_alloc(FramePool *pool)
{
    if (!pool->free_list && !frame_pool_grow(pool)) {
        pool->failures++;
        return NULL;
    }
    Frame *f = pool->free_list;
    pool->free_list = f->next;
    f->next = NULL;
    f->len = 0;
    f->flow = FRAME_NO_FLOW;
    f->seq = 0;
    f->sent_ps = 0;
    f->wire_gen = 0;
    f->note = NULL;
    if (++pool->in_use > pool->peak)
        pool->peak = pool->in_use;
    return f;
}

void frame_free(FramePool *pool, Frame *f)
{
    g_assert(pool->in_use > 0);
    f->next = pool->free_list;
    pool->free_list = f;
    pool->in_use--;
}

Frame *frame_clone(FramePool *pool, const Frame *f)
{
    Frame *c = frame_alloc(pool);
    if (!c)
        return NULL;
    memcpy(c->data, f->data, f->len);
    c->len = f->len;
    c->flow = f->flow;
    c->seq = f->seq;
    c->sent_ps = f->sent_ps;
    return c;
}

void frame_pad(Frame *f)
{
    if (f->len < ETH_ZLEN) {
        memset(f->data + f->len, 0, ETH_ZLEN - f->len);
        f->len = ETH_ZLEN;
    }
}

/* jieba's segmentation (dictionary DAG + route, HMM for unknown words) in C, returning token
 * boundaries instead of Python strings.
 *
 * This is jieba 0.42's algorithm step for step (jieba/__init__.py: get_DAG, calc, __cut_DAG,
 * __cut_DAG_NO_HMM, cut; jieba/finalseg: cut, __cut, viterbi), with the same floating-point
 * operations in the same order, so the tokens are jieba's. The dictionary, its total and the HMM's
 * probabilities are handed in by textkit.tokenize, which reads them from jieba itself.
 *
 * Segmenter(words, freqs, force_split, logtotal, start, trans, emit)
 *   words        UTF-8 words separated by "\n", in jieba's order (a later entry replaces an earlier one)
 *   freqs        one int64 per word
 *   force_split  UTF-8 words separated by "\n" (user words added with frequency 0)
 *   logtotal     log(jieba's total)
 *   start, trans, emit  float64 arrays: 4 start, 4x4 transition and 4 x (U+4E00..U+9FD5) emission
 *                log-probabilities, states in the order B, M, E, S (-3.14e100 where jieba has none)
 * Segmenter.cut(data, hmm=True) -> bytes
 *   the int64 byte offsets of the token boundaries in the UTF-8 text `data` (0 first, len(data) last)
 * Segmenter.tokenize(data, offsets, hmm=True) -> (ids, counts, tokens, token_offsets)
 *   the tokens of many texts (an Arrow string column's buffers) as ids of distinct tokens
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MIN_FLOAT (-3.14e100)
#define HAN_FIRST 0x4E00
#define HAN_LAST 0x9FD5
#define N_HAN (HAN_LAST - HAN_FIRST + 1)
#define ROOT_DIRECT 0x10000 /* children of the root are looked up in an array below this code point */
enum { B = 0, M = 1, E = 2, S = 3 };
static const char STATE_CHAR[4] = {'B', 'M', 'E', 'S'}; /* jieba breaks ties by the state's letter */
static const int PREV_STATES[4][2] = {{E, S}, {M, B}, {B, M}, {S, E}};

/* A trie edge in the open-addressing table: (parent << 21 | code point) << 21 | child, and log(freq) of
 * the word ending at the child (NaN where the child is only a prefix: jieba's frequency 0). Both in one
 * slot, so that a step of the dictionary walk reads one cache line. */
typedef struct {
    uint64_t edge;
    double logfreq;
} Slot;

#define NODE_BITS 21
#define FILTER_EXTRA_BITS 2 /* the filter has 4 bits per table slot */
#define MAX_NODES ((int32_t)1 << NODE_BITS)

typedef struct {
    PyObject_HEAD
    uint8_t *force;      /* per node: 1 where it ends a force-split word */
    int32_t n_nodes;
    int32_t *root;       /* child of the root per code point below ROOT_DIRECT, -1 for none */
    double *root_logfreq;
    Slot *slots;
    uint64_t mask;
    int hash_bits;
    uint64_t *filter;    /* one bit per hash of an edge: most characters that follow a prefix in text
                            continue no word, and this answers them from cache instead of the table */
    int has_force;
    int initialised;
    double logtotal;
    double start[4];
    double trans[4][4];
    double *emit;        /* 4 x N_HAN */
} Segmenter;

/* -- UTF-8 ------------------------------------------------------------------------------------ */

/* The character at s (at most `left` bytes): its code point in *cp and its length in bytes, 0 when the
 * bytes are not UTF-8. */
static inline int next_char(const unsigned char *s, int64_t left, uint32_t *cp)
{
    unsigned char c = s[0];
    if (c < 0x80) { *cp = c; return 1; }
    int length = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (!length || length > left) return 0;
    uint32_t value = c & (0x7F >> length);
    for (int k = 1; k < length; k++) {
        if ((s[k] & 0xC0) != 0x80) return 0;
        value = (value << 6) | (s[k] & 0x3F);
    }
    *cp = value;
    return length;
}

/* Decodes `size` bytes into code points and the byte offset where each starts (offsets[n] = size).
 * Returns the number of characters, or -1 for invalid UTF-8. */
static Py_ssize_t decode_utf8(const unsigned char *s, Py_ssize_t size, uint32_t *cps, int64_t *offsets)
{
    Py_ssize_t i = 0, n = 0;
    while (i < size) {
        int length = next_char(s + i, size - i, &cps[n]);
        if (!length) return -1;
        offsets[n++] = i;
        i += length;
    }
    offsets[n] = size;
    return n;
}

/* -- the dictionary trie ---------------------------------------------------------------------- */

static inline uint64_t edge_key(int32_t parent, uint32_t cp) { return ((uint64_t)parent << 21) | cp; }

static inline uint64_t slot_of(const Segmenter *self, uint64_t key)
{
    return (key * 0x9E3779B97F4A7C15ULL) >> (64 - self->hash_bits);
}

static inline uint64_t filter_bit(const Segmenter *self, uint64_t key)
{
    return (key * 0xC2B2AE3D27D4EB4FULL) >> (64 - self->hash_bits - FILTER_EXTRA_BITS);
}

/* The child of `parent` by character `cp` (-1 for none), and the log frequency of the word ending there
 * (NaN for a prefix only). */
static inline int32_t child(const Segmenter *self, int32_t parent, uint32_t cp, double *logfreq)
{
    if (parent == 0 && cp < ROOT_DIRECT) {
        *logfreq = self->root_logfreq[cp];
        return self->root[cp];
    }
    uint64_t key = edge_key(parent, cp); /* never 0: parent 0 here means cp >= ROOT_DIRECT */
    uint64_t bit = filter_bit(self, key);
    if (!((self->filter[bit >> 6] >> (bit & 63)) & 1)) return -1;
    for (uint64_t slot = slot_of(self, key);; slot = (slot + 1) & self->mask) {
        uint64_t edge = self->slots[slot].edge;
        if (edge >> NODE_BITS == key) {
            *logfreq = self->slots[slot].logfreq;
            return (int32_t)(edge & (MAX_NODES - 1));
        }
        if (edge == 0) return -1;
    }
}

static void set_logfreq(Segmenter *self, int32_t parent, uint32_t cp, double logfreq)
{
    if (parent == 0 && cp < ROOT_DIRECT) {
        self->root_logfreq[cp] = logfreq;
        return;
    }
    uint64_t key = edge_key(parent, cp);
    uint64_t slot = slot_of(self, key);
    while (self->slots[slot].edge >> NODE_BITS != key) slot = (slot + 1) & self->mask;
    self->slots[slot].logfreq = logfreq;
}

static int32_t add_child(Segmenter *self, int32_t parent, uint32_t cp)
{
    int32_t node = self->n_nodes++;
    self->force[node] = 0;
    if (parent == 0 && cp < ROOT_DIRECT) {
        self->root[cp] = node;
        self->root_logfreq[cp] = NAN;
        return node;
    }
    uint64_t key = edge_key(parent, cp);
    uint64_t slot = slot_of(self, key);
    while (self->slots[slot].edge != 0) slot = (slot + 1) & self->mask;
    self->slots[slot].edge = key << NODE_BITS | (uint64_t)node;
    self->slots[slot].logfreq = NAN;
    uint64_t bit = filter_bit(self, key);
    self->filter[bit >> 6] |= (uint64_t)1 << (bit & 63);
    return node;
}

/* The node of a word (its code points; -1 when absent) and the log frequency of the word (NaN when it
 * is only a prefix); created with its prefixes when `create`. `parent` receives the node before it. */
static int32_t word_node(Segmenter *self, const uint32_t *cps, Py_ssize_t n, int create, double *logfreq,
                         int32_t *parent)
{
    int32_t node = 0;
    *logfreq = NAN;
    for (Py_ssize_t i = 0; i < n; i++) {
        int32_t next = child(self, node, cps[i], logfreq);
        if (next < 0) {
            if (!create) return -1;
            next = add_child(self, node, cps[i]);
            *logfreq = NAN;
        }
        if (parent) *parent = node;
        node = next;
    }
    return node;
}

/* -- segmentation ----------------------------------------------------------------------------- */

/* `data` (an array of `*capacity` items of `item` bytes) with room for `needed` items, moved and grown
 * by doubling when needed; NULL when out of memory (then `data` is unchanged). */
static void *reserve(void *data, Py_ssize_t *capacity, Py_ssize_t needed, size_t item)
{
    if (needed <= *capacity) return data;
    Py_ssize_t grown = *capacity ? 2 * *capacity : 1024;
    while (grown < needed) grown *= 2;
    void *moved = realloc(data, grown * item);
    if (moved) *capacity = grown;
    return moved;
}

typedef struct {
    int64_t *data;
    Py_ssize_t size, capacity;
} Boundaries;

static int push(Boundaries *out, int64_t offset)
{
    int64_t *data = reserve(out->data, &out->capacity, out->size + 1, sizeof(int64_t));
    if (!data) return -1;
    out->data = data;
    out->data[out->size++] = offset;
    return 0;
}

typedef struct {
    const Segmenter *seg;
    const uint32_t *cps;     /* the whole text */
    const int64_t *offsets;  /* byte offset of each character */
    Boundaries out;
    double *route_value;     /* scratch, one more than the longest block */
    Py_ssize_t *route_end;
    double *viterbi;         /* 4 per character */
    uint8_t *back;           /* 4 per character */
    uint8_t *states;
    int failed;              /* 1: out of memory, 2: tokens would not partition the text */
} Cut;

static inline int emit_end(Cut *cut, Py_ssize_t end) /* a token ends before character `end` */
{
    if (push(&cut->out, cut->offsets[end]) < 0) { cut->failed = 1; return -1; }
    return 0;
}


/* textkit's HAS_WORD_CHAR ([0-9A-Za-z\u3400-\u9fff\uf900-\ufaff]): outside jieba's blocks, a character
 * without it is a token that textkit's filters always drop (punctuation, spaces, emoji). */
static inline int is_word_char(uint32_t c)
{
    return (c >= 0x3400 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF) || (c >= '0' && c <= '9')
        || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline int is_han(uint32_t c) { return c >= HAN_FIRST && c <= HAN_LAST; }
static inline int is_ascii_alnum(uint32_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
static inline int is_digit(uint32_t c) { return c >= '0' && c <= '9'; }
static inline int is_block_char(uint32_t c) /* jieba's re_han_default */
{
    return is_han(c) || is_ascii_alnum(c) || c == '+' || c == '#' || c == '&' || c == '.' || c == '_'
        || c == '%' || c == '-';
}

/* The node of a dictionary entry (a word or a prefix of one), -1 when absent; `is_word` as jieba's
 * FREQ.get(...) is truthy. */
static int32_t lookup(const Segmenter *seg, const uint32_t *cps, Py_ssize_t n, int *is_word)
{
    double logfreq;
    int32_t node = word_node((Segmenter *)seg, cps, n, 0, &logfreq, NULL);
    *is_word = node >= 0 && !isnan(logfreq);
    return node;
}

/* A word the HMM found: split into characters when it is a force-split word (finalseg.cut). */
static void emit_hmm_word(Cut *cut, Py_ssize_t start, Py_ssize_t end)
{
    if (cut->seg->has_force) {
        int is_word;
        int32_t node = lookup(cut->seg, cut->cps + start, end - start, &is_word);
        if (node >= 0 && cut->seg->force[node]) {
            for (Py_ssize_t i = start + 1; i <= end; i++) emit_end(cut, i);
            return;
        }
    }
    emit_end(cut, end);
}

/* finalseg.__cut: Viterbi over B/M/E/S for a run of Han characters [start, end). */
static void viterbi_cut(Cut *cut, Py_ssize_t start, Py_ssize_t end)
{
    const Segmenter *seg = cut->seg;
    Py_ssize_t n = end - start;
    double *V = cut->viterbi;
    uint8_t *back = cut->back;
    for (int y = 0; y < 4; y++)
        V[y] = seg->start[y] + seg->emit[y * N_HAN + (cut->cps[start] - HAN_FIRST)];
    for (Py_ssize_t t = 1; t < n; t++) {
        uint32_t c = cut->cps[start + t] - HAN_FIRST;
        for (int y = 0; y < 4; y++) {
            double em = seg->emit[y * N_HAN + c];
            int a = PREV_STATES[y][0], b = PREV_STATES[y][1];
            double pa = V[4 * (t - 1) + a] + seg->trans[a][y] + em;
            double pb = V[4 * (t - 1) + b] + seg->trans[b][y] + em;
            int best = (pa > pb || (pa == pb && STATE_CHAR[a] > STATE_CHAR[b])) ? a : b;
            V[4 * t + y] = best == a ? pa : pb;
            back[4 * t + y] = (uint8_t)best;
        }
    }
    double pe = V[4 * (n - 1) + E], ps = V[4 * (n - 1) + S];
    int state = pe > ps ? E : S; /* a tie goes to 'S', the larger letter */
    for (Py_ssize_t t = n - 1; t >= 0; t--) {
        cut->states[t] = (uint8_t)state;
        if (t > 0) state = back[4 * t + state];
    }
    Py_ssize_t begin = 0, next = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        int pos = cut->states[i];
        if (pos == B) {
            begin = i;
        } else if (pos == E) {
            if (begin != next) { cut->failed = 2; return; }
            emit_hmm_word(cut, start + begin, start + i + 1);
            next = i + 1;
        } else if (pos == S) {
            if (i != next) { cut->failed = 2; return; }
            emit_hmm_word(cut, start + i, start + i + 1);
            next = i + 1;
        }
    }
    if (next < n) emit_hmm_word(cut, start + next, end);
}

/* finalseg's re_skip split of a run without Han characters: ([a-zA-Z0-9]+(?:\.\d+)?%?) and the text
 * between its matches. */
static void skip_split(Cut *cut, Py_ssize_t start, Py_ssize_t end)
{
    const uint32_t *c = cut->cps;
    Py_ssize_t piece = start, p = start;
    while (p < end) {
        if (!is_ascii_alnum(c[p])) { p++; continue; }
        if (p > piece) emit_end(cut, p);
        Py_ssize_t q = p;
        while (q < end && is_ascii_alnum(c[q])) q++;
        if (q + 1 < end && c[q] == '.' && is_digit(c[q + 1])) {
            q++;
            while (q < end && is_digit(c[q])) q++;
        }
        if (q < end && c[q] == '%') q++;
        emit_end(cut, q);
        p = piece = q;
    }
    if (piece < end) emit_end(cut, end);
}

/* Single-character words run together in __cut_DAG ("buf"), characters [start, end). */
static void flush_buffer(Cut *cut, Py_ssize_t start, Py_ssize_t end)
{
    if (end - start == 1) { emit_end(cut, end); return; }
    int is_word;
    lookup(cut->seg, cut->cps + start, end - start, &is_word);
    if (is_word) { /* a dictionary word: its characters one by one */
        for (Py_ssize_t i = start + 1; i <= end; i++) emit_end(cut, i);
        return;
    }
    Py_ssize_t p = start; /* finalseg.cut: Han runs by the HMM, the rest by re_skip */
    while (p < end && !cut->failed) {
        Py_ssize_t q = p;
        int han = is_han(cut->cps[p]);
        while (q < end && is_han(cut->cps[q]) == han) q++;
        if (han) viterbi_cut(cut, p, q);
        else skip_split(cut, p, q);
        p = q;
    }
}

/* get_DAG + calc + __cut_DAG (or __cut_DAG_NO_HMM) over one block [start, end) of block characters. */
static void cut_block(Cut *cut, Py_ssize_t start, Py_ssize_t end, int hmm)
{
    const Segmenter *seg = cut->seg;
    const uint32_t *c = cut->cps + start;
    Py_ssize_t n = end - start;
    double *value = cut->route_value;
    Py_ssize_t *best_end = cut->route_end;
    value[n] = 0.0;
    for (Py_ssize_t idx = n - 1; idx >= 0; idx--) {
        Py_ssize_t best = -1;
        double best_value = 0.0;
        int32_t node = 0;
        for (Py_ssize_t x = idx; x < n; x++) {
            double logfreq;
            node = child(seg, node, c[x], &logfreq);
            if (node < 0) break;
            if (!isnan(logfreq)) {
                double v = logfreq - seg->logtotal + value[x + 1];
                if (best < 0 || v >= best_value) { best = x; best_value = v; } /* ties: the longer word */
            }
        }
        if (best < 0) { best = idx; best_value = 0.0 - seg->logtotal + value[idx + 1]; }
        value[idx] = best_value;
        best_end[idx] = best;
    }
    Py_ssize_t x = 0, buffer = -1;
    while (x < n && !cut->failed) {
        Py_ssize_t y = best_end[x] + 1;
        int single = y - x == 1;
        if (single && (hmm || is_ascii_alnum(c[x]))) {
            if (buffer < 0) buffer = x;
        } else {
            if (buffer >= 0) {
                if (hmm) flush_buffer(cut, start + buffer, start + x);
                else emit_end(cut, start + x);
                buffer = -1;
            }
            emit_end(cut, start + y);
        }
        x = y;
    }
    if (buffer >= 0 && !cut->failed) {
        if (hmm) flush_buffer(cut, start + buffer, end);
        else emit_end(cut, end);
    }
}

/* Decodes `size` bytes of UTF-8 into `cut` and allocates the scratch for its longest block. Returns the
 * number of characters, -1 for invalid UTF-8, -2 when out of memory (free with end_cut either way). */
static Py_ssize_t start_cut(Cut *cut, const Segmenter *seg, const unsigned char *data, Py_ssize_t size)
{
    memset(cut, 0, sizeof(Cut));
    cut->seg = seg;
    uint32_t *cps = malloc((size + 1) * sizeof(uint32_t));
    int64_t *offsets = malloc((size + 1) * sizeof(int64_t));
    cut->cps = cps;
    cut->offsets = offsets;
    if (!cps || !offsets) return -2;
    Py_ssize_t n = decode_utf8(data, size, cps, offsets);
    if (n < 0) return -1;
    Py_ssize_t longest = 0, run = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        run = is_block_char(cps[i]) ? run + 1 : 0;
        if (run > longest) longest = run;
    }
    cut->route_value = malloc((longest + 1) * sizeof(double));
    cut->route_end = malloc((longest + 1) * sizeof(Py_ssize_t));
    cut->viterbi = malloc((4 * longest + 4) * sizeof(double));
    cut->back = malloc(4 * longest + 4);
    cut->states = malloc(longest + 1);
    if (!cut->route_value || !cut->route_end || !cut->viterbi || !cut->back || !cut->states) return -2;
    return n;
}

static void end_cut(Cut *cut)
{
    free((void *)cut->cps); free((void *)cut->offsets); free(cut->route_value); free(cut->route_end);
    free(cut->viterbi); free(cut->back); free(cut->states); free(cut->out.data);
}

/* Sets the Python error for a failed cut: `n` from start_cut, else cut->failed. */
static void cut_error(const Cut *cut, Py_ssize_t n)
{
    if (n == -1) PyErr_SetString(PyExc_ValueError, "text is not valid UTF-8");
    else if (n == -2 || cut->failed == 1) PyErr_NoMemory();
    else PyErr_SetString(PyExc_RuntimeError, "HMM tokens do not partition the text");
}

/* jieba.cut over characters [i, n): blocks of re_han_default, the rest one character at a time ("\r\n"
 * as one). */
static void cut_text(Cut *cut, Py_ssize_t i, Py_ssize_t n, int hmm)
{
    const uint32_t *cps = cut->cps;
    while (i < n && !cut->failed) {
        if (is_block_char(cps[i])) {
            Py_ssize_t j = i;
            while (j < n && is_block_char(cps[j])) j++;
            cut_block(cut, i, j, hmm);
            i = j;
        } else {
            i += (cps[i] == '\r' && i + 1 < n && cps[i + 1] == '\n') ? 2 : 1;
            emit_end(cut, i);
        }
    }
}

static int ready(const Segmenter *self)
{
    if (self->initialised) return 1;
    PyErr_SetString(PyExc_RuntimeError, "Segmenter was not initialised");
    return 0;
}

static PyObject *Segmenter_cut(Segmenter *self, PyObject *args, PyObject *kwargs)
{
    static char *names[] = {"data", "hmm", NULL};
    Py_buffer view;
    int hmm = 1;
    if (!ready(self) || !PyArg_ParseTupleAndKeywords(args, kwargs, "y*|p", names, &view, &hmm)) return NULL;
    Cut cut;
    Py_ssize_t n;
    Py_BEGIN_ALLOW_THREADS
    n = start_cut(&cut, self, view.buf, view.len);
    if (n >= 0 && push(&cut.out, 0) < 0) cut.failed = 1;
    if (n >= 0) cut_text(&cut, 0, n, hmm);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    PyObject *result = NULL;
    if (n < 0 || cut.failed) cut_error(&cut, n);
    else result = PyBytes_FromStringAndSize((const char *)cut.out.data, cut.out.size * sizeof(int64_t));
    end_cut(&cut);
    return result;
}

/* -- many texts: each distinct block cut once, each distinct token numbered --------------------- */

typedef struct {
    int64_t start, length; /* bytes of the text buffer */
    uint64_t hash;
    int32_t first, count;  /* blocks: their token ids in Tokens.ids[first .. first + count) */
} Span;

#define INLINE_BYTES 16

/* A slot of a SpanSet's table: the span's hash, index and length, and its first bytes, so that most
 * lookups of a short token are answered by the slot alone. */
typedef struct {
    uint64_t hash;
    int32_t index; /* -1 for an empty slot */
    uint32_t length;
    unsigned char head[INLINE_BYTES];
} SpanSlot;

typedef struct {
    Span *spans;
    Py_ssize_t size, capacity;
    SpanSlot *table; /* open addressing over spans */
    uint64_t mask;
} SpanSet;

typedef struct {
    int32_t *ids;
    Py_ssize_t size, capacity;
} Ids;

/* Appends `count` ids. */
static int push_ids(Ids *ids, const int32_t *values, Py_ssize_t count)
{
    if (count == 0) return 0;
    int32_t *data = reserve(ids->ids, &ids->capacity, ids->size + count, sizeof(int32_t));
    if (!data) return -1;
    ids->ids = data;
    memcpy(ids->ids + ids->size, values, count * sizeof(int32_t));
    ids->size += count;
    return 0;
}

static uint64_t hash_bytes(const unsigned char *s, int64_t length)
{
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ (uint64_t)length, word;
    int64_t i = 0;
    for (; i + 8 <= length; i += 8) { /* eight bytes at a time, then the rest */
        memcpy(&word, s + i, 8);
        h = (h ^ word) * 0xBF58476D1CE4E5B9ULL;
        h ^= h >> 31;
    }
    word = 0;
    memcpy(&word, s + i, length - i);
    h = (h ^ word) * 0x94D049BB133111EBULL;
    return h ^ (h >> 29);
}

static int spanset_grow(SpanSet *set)
{
    uint64_t slots = set->table ? 2 * (set->mask + 1) : 1 << 12;
    SpanSlot *table = malloc(slots * sizeof(SpanSlot));
    if (!table) return -1;
    for (uint64_t slot = 0; slot < slots; slot++) table[slot].index = -1;
    for (uint64_t old = 0; set->table && old <= set->mask; old++) {
        if (set->table[old].index < 0) continue;
        uint64_t slot = set->table[old].hash & (slots - 1);
        while (table[slot].index >= 0) slot = (slot + 1) & (slots - 1);
        table[slot] = set->table[old];
    }
    free(set->table);
    set->table = table;
    set->mask = slots - 1;
    return 0;
}

/* The index of the span with these bytes, added when absent (*added = 1); -1 when out of memory. */
static int32_t spanset_find(SpanSet *set, const unsigned char *data, int64_t start, int64_t length,
                            int *added)
{
    if (!set->table || 2 * (uint64_t)(set->size + 1) > set->mask + 1) {
        if (spanset_grow(set) < 0) return -1;
    }
    uint64_t hash = hash_bytes(data + start, length);
    uint64_t slot = hash & set->mask;
    int64_t head = length < INLINE_BYTES ? length : INLINE_BYTES;
    for (; set->table[slot].index >= 0; slot = (slot + 1) & set->mask) {
        const SpanSlot *s = &set->table[slot];
        if (s->hash != hash || s->length != length || memcmp(s->head, data + start, head)) continue;
        if (length > INLINE_BYTES
            && memcmp(data + set->spans[s->index].start + head, data + start + head, length - head))
            continue;
        *added = 0;
        return s->index;
    }
    Span *spans = reserve(set->spans, &set->capacity, set->size + 1, sizeof(Span));
    if (!spans) return -1;
    set->spans = spans;
    Span *span = &set->spans[set->size];
    span->start = start;
    span->length = length;
    span->hash = hash;
    span->first = span->count = 0;
    SpanSlot *s = &set->table[slot];
    s->hash = hash;
    s->index = (int32_t)set->size;
    s->length = (uint32_t)length;
    memcpy(s->head, data + start, head);
    *added = 1;
    return (int32_t)set->size++;
}

typedef struct {
    Cut cut;                 /* its characters are those of the block being cut (block_cps, block_at) */
    const unsigned char *data;
    uint32_t *block_cps;
    int64_t *block_at;
    Py_ssize_t block_capacity;
    SpanSet tokens, blocks;
    Ids ids;         /* token ids of the texts, in order */
    Ids block_ids;   /* token ids of each distinct block, after one another */
} Tokens;

static int add_token(Tokens *t, int64_t start, int64_t end)
{
    int added;
    int32_t id = spanset_find(&t->tokens, t->data, start, end - start, &added);
    return id < 0 ? -1 : push_ids(&t->ids, &id, 1);
}

/* Room in the cut's scratch for a block of `n` characters. */
static int reserve_block(Tokens *t, Py_ssize_t n)
{
    if (n < t->block_capacity) return 0;
    Py_ssize_t capacity = 2 * n + 64;
    Cut *cut = &t->cut;
    free(t->block_cps); free(t->block_at); free(cut->route_value); free(cut->route_end);
    free(cut->viterbi); free(cut->back); free(cut->states);
    t->block_cps = malloc(capacity * sizeof(uint32_t));
    t->block_at = malloc(capacity * sizeof(int64_t));
    cut->route_value = malloc(capacity * sizeof(double));
    cut->route_end = malloc(capacity * sizeof(Py_ssize_t));
    cut->viterbi = malloc(4 * capacity * sizeof(double));
    cut->back = malloc(4 * capacity);
    cut->states = malloc(capacity);
    cut->cps = t->block_cps;
    cut->offsets = t->block_at;
    t->block_capacity = capacity;
    if (t->block_cps && t->block_at && cut->route_value && cut->route_end && cut->viterbi && cut->back
        && cut->states)
        return 0;
    t->block_capacity = 0;
    return -1;
}

/* The tokens of the block at bytes [start, end) (`n` characters): looked up when the block was seen
 * before, else decoded and cut. */
static int block_tokens(Tokens *t, int64_t start, int64_t end, Py_ssize_t n, int hmm)
{
    int added;
    int32_t block = spanset_find(&t->blocks, t->data, start, end - start, &added);
    if (block < 0) return -1;
    if (!added) {
        Span span = t->blocks.spans[block];
        return push_ids(&t->ids, t->block_ids.ids + span.first, span.count);
    }
    if (reserve_block(t, n) < 0) return -1;
    for (int64_t at = start, k = 0; k < n; k++) {
        t->block_at[k] = at;
        at += next_char(t->data + at, end - at, &t->block_cps[k]);
    }
    t->block_at[n] = end;
    t->cut.out.size = 0;
    cut_block(&t->cut, 0, n, hmm);
    if (t->cut.failed) return -1;
    Py_ssize_t first = t->ids.size;
    for (Py_ssize_t k = 0; k < t->cut.out.size; k++) {
        if (add_token(t, start, t->cut.out.data[k]) < 0) return -1;
        start = t->cut.out.data[k];
    }
    t->blocks.spans[block].first = (int32_t)t->block_ids.size;
    t->blocks.spans[block].count = (int32_t)(t->ids.size - first);
    return push_ids(&t->block_ids, t->ids.ids + first, t->ids.size - first);
}

/* jieba.cut of the text at bytes [p, end) as token ids, leaving out the one-character tokens outside
 * jieba's blocks that hold no word character; "\x1f[...]\x1f" (a marked [表情] code) is one token.
 * Returns 0, -1 (out of memory or a failed cut) or -3 (not UTF-8). */
static int text_tokens(Tokens *t, int64_t p, int64_t end, int hmm)
{
    const unsigned char *s = t->data;
    uint32_t cp;
    while (p < end) {
        int length = next_char(s + p, end - p, &cp);
        if (!length) return -3;
        if (is_block_char(cp)) {
            int64_t q = p + length;
            Py_ssize_t n = 1;
            while (q < end) {
                int more = next_char(s + q, end - q, &cp);
                if (!more) return -3;
                if (!is_block_char(cp)) break;
                q += more;
                n++;
            }
            if (block_tokens(t, p, q, n, hmm) < 0) return -1;
            p = q;
            continue;
        }
        if (cp == 0x1f && p + 1 < end && s[p + 1] == '[') {
            int64_t close = p + 2;
            while (close < end && s[close] != ']' && s[close] != 0x1f) {
                int more = next_char(s + close, end - close, &cp);
                if (!more) return -3;
                close += more;
            }
            if (close + 1 < end && s[close] == ']' && s[close + 1] == 0x1f) {
                if (add_token(t, p + 1, close + 1) < 0) return -1;
                p = close + 2;
                continue;
            }
        }
        if (is_word_char(cp) && add_token(t, p, p + length) < 0) return -1;
        p += length;
    }
    return 0;
}

static PyObject *Segmenter_tokenize(Segmenter *self, PyObject *args, PyObject *kwargs)
{
    static char *names[] = {"data", "offsets", "hmm", NULL};
    Py_buffer view, bounds;
    int hmm = 1;
    if (!ready(self) || !PyArg_ParseTupleAndKeywords(args, kwargs, "y*y*|p", names, &view, &bounds, &hmm))
        return NULL;
    const int64_t *text_at = bounds.buf;
    Py_ssize_t n_texts = bounds.len / (Py_ssize_t)sizeof(int64_t) - 1;
    int bad = n_texts < 0 || text_at[0] < 0 || text_at[n_texts] > view.len;
    for (Py_ssize_t k = 0; !bad && k < n_texts; k++) bad = text_at[k] > text_at[k + 1];
    if (bad || text_at[n_texts] - text_at[0] > INT32_MAX) { /* ids and counts are int32: a token has a byte */
        PyBuffer_Release(&view); PyBuffer_Release(&bounds);
        PyErr_SetString(PyExc_ValueError, bad ? "offsets must rise from 0 or more to at most len(data)"
                                              : "more than 2 GiB of text in one call: tokenize it in pieces");
        return NULL;
    }
    Tokens t;
    memset(&t, 0, sizeof(Tokens));
    t.cut.seg = self;
    t.data = view.buf;
    int64_t *counts = malloc((n_texts + 1) * sizeof(int64_t));
    int status = counts ? 0 : -1;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t k = 0; status == 0 && k < n_texts; k++) {
        Py_ssize_t before = t.ids.size;
        status = text_tokens(&t, text_at[k], text_at[k + 1], hmm);
        counts[k] = t.ids.size - before;
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&bounds);
    PyObject *result = NULL;
    if (status == -3) PyErr_SetString(PyExc_ValueError, "text is not valid UTF-8");
    else if (status < 0) cut_error(&t.cut, t.cut.failed ? 0 : -2);
    else {
        /* distinct tokens: their bytes one after another, and int64 offsets */
        int64_t total = 0;
        for (Py_ssize_t k = 0; k < t.tokens.size; k++) total += t.tokens.spans[k].length;
        PyObject *ids = PyBytes_FromStringAndSize((const char *)t.ids.ids, t.ids.size * sizeof(int32_t));
        PyObject *per_text = PyBytes_FromStringAndSize((const char *)counts, n_texts * sizeof(int64_t));
        PyObject *bytes = PyBytes_FromStringAndSize(NULL, total);
        PyObject *token_at = PyBytes_FromStringAndSize(NULL, (t.tokens.size + 1) * sizeof(int64_t));
        if (ids && per_text && bytes && token_at) {
            char *out = PyBytes_AS_STRING(bytes);
            int64_t *at = (int64_t *)PyBytes_AS_STRING(token_at);
            at[0] = 0;
            for (Py_ssize_t k = 0; k < t.tokens.size; k++) {
                memcpy(out + at[k], t.data + t.tokens.spans[k].start, t.tokens.spans[k].length);
                at[k + 1] = at[k] + t.tokens.spans[k].length;
            }
            result = PyTuple_Pack(4, ids, per_text, bytes, token_at);
        }
        Py_XDECREF(ids); Py_XDECREF(per_text); Py_XDECREF(bytes); Py_XDECREF(token_at);
    }
    PyBuffer_Release(&view);
    free(t.block_cps); free(t.block_at);
    t.cut.cps = NULL;
    t.cut.offsets = NULL;
    end_cut(&t.cut);
    free(counts);
    free(t.tokens.spans); free(t.tokens.table); free(t.blocks.spans); free(t.blocks.table);
    free(t.ids.ids); free(t.block_ids.ids);
    return result;
}

/* -- construction ----------------------------------------------------------------------------- */

static int read_doubles(Py_buffer *view, double *target, Py_ssize_t count, const char *name)
{
    if (view->len != count * (Py_ssize_t)sizeof(double)) {
        PyErr_Format(PyExc_ValueError, "%s: expected %zd float64 values", name, count);
        return -1;
    }
    memcpy(target, view->buf, count * sizeof(double));
    return 0;
}

/* Calls `visit` on each "\n"-separated word of a UTF-8 buffer, decoded; returns -1 on an error. */
typedef int (*WordVisitor)(Segmenter *, const uint32_t *, Py_ssize_t, Py_ssize_t, void *);

static int each_word(Segmenter *self, Py_buffer *words, WordVisitor visit, void *arg)
{
    const unsigned char *s = words->buf;
    Py_ssize_t size = words->len, start = 0, index = 0;
    uint32_t *cps = malloc((size + 1) * sizeof(uint32_t));
    int64_t *offsets = malloc((size + 1) * sizeof(int64_t));
    int status = 0;
    if (!cps || !offsets) { PyErr_NoMemory(); status = -1; }
    while (status == 0 && start < size) {
        const unsigned char *newline = memchr(s + start, '\n', size - start);
        Py_ssize_t stop = newline ? newline - s : size;
        Py_ssize_t n = decode_utf8(s + start, stop - start, cps, offsets);
        if (n < 0) {
            PyErr_Format(PyExc_ValueError, "word %zd is not valid UTF-8", index);
            status = -1;
        } else if (n > 0) {
            status = visit(self, cps, n, index, arg);
        }
        index++;
        start = stop + 1;
    }
    free(cps); free(offsets);
    return status;
}

static int add_word(Segmenter *self, const uint32_t *cps, Py_ssize_t n, Py_ssize_t index, void *arg)
{
    const int64_t *freqs = arg;
    double logfreq;
    int32_t parent = 0;
    word_node(self, cps, n, 1, &logfreq, &parent);
    /* jieba: FREQ[word] = freq replaces the frequency; a word is what has a frequency above 0 */
    set_logfreq(self, parent, cps[n - 1], freqs[index] > 0 ? log((double)freqs[index]) : NAN);
    return 0;
}

static int mark_force_split(Segmenter *self, const uint32_t *cps, Py_ssize_t n, Py_ssize_t index,
                            void *arg)
{
    (void)index; (void)arg;
    double logfreq;
    int32_t node = word_node(self, cps, n, 1, &logfreq, NULL);
    self->force[node] = 1;
    self->has_force = 1;
    return 0;
}

static void free_tables(Segmenter *self)
{
    free(self->force); free(self->root); free(self->root_logfreq); free(self->slots); free(self->filter);
    free(self->emit);
    self->force = NULL; self->root = NULL; self->root_logfreq = NULL; self->slots = NULL;
    self->filter = NULL; self->emit = NULL;
    self->n_nodes = 0;
    self->has_force = 0;
}

static int Segmenter_init(Segmenter *self, PyObject *args, PyObject *kwargs)
{
    static char *names[] = {"words", "freqs", "force_split", "logtotal", "start", "trans", "emit", NULL};
    Py_buffer words, freqs, force, start, trans, emit;
    double logtotal;
    if (self->initialised) {
        PyErr_SetString(PyExc_RuntimeError, "Segmenter is already initialised");
        return -1;
    }
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "y*y*y*dy*y*y*", names, &words, &freqs, &force,
                                     &logtotal, &start, &trans, &emit))
        return -1;
    int status = -1;
    Py_ssize_t n_words = 0, n_chars = 0;
    for (Py_ssize_t i = 0; i < words.len; i++) {
        unsigned char c = ((const unsigned char *)words.buf)[i];
        if (c == '\n') n_words++;
        else if ((c & 0xC0) != 0x80) n_chars++;
    }
    if (words.len) n_words++;
    for (Py_ssize_t i = 0; i < force.len; i++)
        if ((((const unsigned char *)force.buf)[i] & 0xC0) != 0x80) n_chars++;
    if (freqs.len != n_words * (Py_ssize_t)sizeof(int64_t)) {
        PyErr_Format(PyExc_ValueError, "freqs: expected %zd int64 values, one per word", n_words);
        goto done;
    }
    self->logtotal = logtotal;
    self->emit = malloc(4 * N_HAN * sizeof(double));
    if (!self->emit) { PyErr_NoMemory(); goto done; }
    if (read_doubles(&start, self->start, 4, "start") < 0 || read_doubles(&trans, &self->trans[0][0], 16, "trans") < 0
        || read_doubles(&emit, self->emit, 4 * N_HAN, "emit") < 0)
        goto done;
    Py_ssize_t capacity = n_chars + 1;
    if (capacity > MAX_NODES) {
        PyErr_Format(PyExc_ValueError, "the dictionaries hold %zd characters; the segmenter takes at most %d "
                     "(use backend='rjieba')", n_chars, MAX_NODES - 1);
        goto done;
    }
    self->hash_bits = 10;
    while (((Py_ssize_t)1 << self->hash_bits) < 2 * capacity) self->hash_bits++;
    self->mask = ((uint64_t)1 << self->hash_bits) - 1;
    self->force = malloc(capacity);
    self->root = malloc(ROOT_DIRECT * sizeof(int32_t));
    self->root_logfreq = malloc(ROOT_DIRECT * sizeof(double));
    self->slots = calloc((size_t)1 << self->hash_bits, sizeof(Slot));
    self->filter = calloc(((size_t)1 << (self->hash_bits + FILTER_EXTRA_BITS)) / 64, sizeof(uint64_t));
    if (!self->force || !self->root || !self->root_logfreq || !self->slots || !self->filter) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < ROOT_DIRECT; i++) {
        self->root[i] = -1;
        self->root_logfreq[i] = NAN;
    }
    self->n_nodes = 1; /* the root */
    self->force[0] = 0;
    if (each_word(self, &words, add_word, freqs.buf) < 0) goto done;
    if (each_word(self, &force, mark_force_split, NULL) < 0) goto done;
    status = 0;
    self->initialised = 1;
done:
    if (status < 0) free_tables(self); /* nothing half-built stays usable */
    PyBuffer_Release(&words); PyBuffer_Release(&freqs); PyBuffer_Release(&force);
    PyBuffer_Release(&start); PyBuffer_Release(&trans); PyBuffer_Release(&emit);
    return status;
}

static void Segmenter_dealloc(Segmenter *self)
{
    free_tables(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMethodDef Segmenter_methods[] = {
    {"cut", (PyCFunction)(void (*)(void))Segmenter_cut, METH_VARARGS | METH_KEYWORDS,
     "cut(data, hmm=True) -> bytes: int64 byte offsets of jieba's token boundaries in UTF-8 `data`."},
    {"tokenize", (PyCFunction)(void (*)(void))Segmenter_tokenize, METH_VARARGS | METH_KEYWORDS,
     "tokenize(data, offsets, hmm=True) -> (ids, counts, tokens, token_offsets): jieba's tokens of the texts "
     "(less the characters outside jieba's blocks that hold no word character: punctuation, spaces, emoji) "
     "data[offsets[i]:offsets[i + 1]] (int64 offsets) as int32 ids of distinct tokens, int64 tokens per "
     "text, and the distinct tokens' UTF-8 bytes with int64 offsets. A block seen before is looked up, "
     "not cut again; a marked code 0x1f [...] 0x1f is one token [...]."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject SegmenterType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "textkit._segment.Segmenter",
    .tp_basicsize = sizeof(Segmenter),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "jieba's segmentation over a dictionary and HMM handed in by textkit.tokenize.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Segmenter_init,
    .tp_dealloc = (destructor)Segmenter_dealloc,
    .tp_methods = Segmenter_methods,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "textkit._segment", "jieba's segmentation returning token boundaries.", -1, NULL,
};

PyMODINIT_FUNC PyInit__segment(void)
{
    if (PyType_Ready(&SegmenterType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (!m) return NULL;
    Py_INCREF(&SegmenterType);
    if (PyModule_AddObject(m, "Segmenter", (PyObject *)&SegmenterType) < 0) {
        Py_DECREF(&SegmenterType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}

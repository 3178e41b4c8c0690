/* Hot loops of transforms, compiled where `make env` can (python -m transforms.build_native).

   1. Best routes through a word dictionary, for transforms.tagger.

   transforms/tagger.py tags short windows of text with jieba's dictionary and its best-route
   rule (jieba's cut without HMM).  Its pure-Python route looks up every fragment of a window in
   a dict of about 600,000 words and prefixes: each lookup makes a new string, and the dict's
   entries are scattered in memory.  This module keeps the same words in one compact open-
   addressing table keyed by a hash of the code points, extended one character at a time, so a
   window is routed without making any string but the words it returns.

   The results are exactly those of WindowTagger._tag_in_python (tests/test_tagger.py checks both
   against jieba and against each other): the same log-probabilities (computed in Python and
   passed in), the same sums in the same order, the same tie rule (among equal scores the longer
   word wins), the same blocks, and the same merging of single Latin letters and digits. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    PyObject_HEAD
    uint32_t *slots;    /* 0: empty, else 1 + index of a key */
    uint64_t *hashes;   /* per key */
    uint32_t *offsets;  /* per key: first code point in pool */
    uint32_t *lengths;  /* per key */
    double *values;     /* per key: log-probability; NaN marks a prefix that is no word */
    uint8_t *is_word;   /* per key: 1 for a word, 0 for a prefix only */
    int64_t *counts;    /* per key: the word's count in the dictionary (0: a prefix, or not given) */
    uint16_t *flag_ids; /* per key: index of its flag in flag_names, NO_FLAG when it has none */
    Py_UCS4 *pool;
    PyObject *flag_names; /* tuple of str */
    size_t mask;
    size_t keys;
    size_t pool_used;
    double unknown;     /* the score of a character the dictionary does not know */
} Routes;

#define NO_FLAG 0xFFFF

static const uint64_t FNV_OFFSET = 1469598103934665603ULL;
static const uint64_t FNV_PRIME = 1099511628211ULL;

static inline uint64_t extend_hash(uint64_t h, Py_UCS4 c) {
    return (h ^ (uint64_t)c) * FNV_PRIME;
}

/* The key index of code points [start, end) of a string, or -1 when absent. */
static inline Py_ssize_t find(const Routes *self, uint64_t h, int kind, const void *data,
                              Py_ssize_t start, Py_ssize_t end) {
    size_t slot = (size_t)(h ^ (h >> 29)) & self->mask;
    uint32_t length = (uint32_t)(end - start);
    for (;;) {
        uint32_t entry = self->slots[slot];
        if (entry == 0)
            return -1;
        size_t key = entry - 1;
        if (self->hashes[key] == h && self->lengths[key] == length) {
            const Py_UCS4 *stored = self->pool + self->offsets[key];
            uint32_t i = 0;
            while (i < length && stored[i] == PyUnicode_READ(kind, data, start + i))
                i++;
            if (i == length)
                return (Py_ssize_t)key;
        }
        slot = (slot + 1) & self->mask;
    }
}

static void Routes_dealloc(Routes *self) {
    PyMem_Free(self->slots);
    PyMem_Free(self->hashes);
    PyMem_Free(self->offsets);
    PyMem_Free(self->lengths);
    PyMem_Free(self->values);
    PyMem_Free(self->is_word);
    PyMem_Free(self->counts);
    PyMem_Free(self->flag_ids);
    PyMem_Free(self->pool);
    Py_XDECREF(self->flag_names);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* The arrays of a table of `count` keys holding `pool_length` code points, allocated (zeroed
   where 0 must mean "none"); -1 with MemoryError set when they cannot be. */
static int allocate(Routes *self, size_t slots, size_t count, size_t pool_length) {
    self->mask = slots - 1;
    self->slots = PyMem_Calloc(slots, sizeof(uint32_t));
    self->hashes = PyMem_Malloc((count + 1) * sizeof(uint64_t));
    self->offsets = PyMem_Malloc((count + 1) * sizeof(uint32_t));
    self->lengths = PyMem_Malloc((count + 1) * sizeof(uint32_t));
    self->values = PyMem_Malloc((count + 1) * sizeof(double));
    self->is_word = PyMem_Malloc((count + 1) * sizeof(uint8_t));
    self->counts = PyMem_Calloc(count + 1, sizeof(int64_t));
    self->flag_ids = PyMem_Malloc((count + 1) * sizeof(uint16_t));
    self->pool = PyMem_Malloc((pool_length + 1) * sizeof(Py_UCS4));
    if (!self->slots || !self->hashes || !self->offsets || !self->lengths || !self->values ||
        !self->is_word || !self->counts || !self->flag_ids || !self->pool) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

/* The index of `flag` in `names` (a list), appended when new and noted in `index` (a dict). */
static int flag_index(PyObject *index, PyObject *names, PyObject *flag) {
    PyObject *known = PyDict_GetItemWithError(index, flag); /* borrowed */
    if (known != NULL)
        return (int)PyLong_AsLong(known);
    if (PyErr_Occurred())
        return -1;
    Py_ssize_t next = PyList_GET_SIZE(names);
    if (next >= NO_FLAG) {
        PyErr_SetString(PyExc_ValueError, "too many distinct flags");
        return -1;
    }
    PyObject *number = PyLong_FromSsize_t(next);
    int failed = number == NULL || PyDict_SetItem(index, flag, number) < 0 || PyList_Append(names, flag) < 0;
    Py_XDECREF(number);
    return failed ? -1 : (int)next;
}

/* Routes(log_probability: dict[str, float | None], unknown: float,
          counts: dict[str, int] | None = None, flags: dict[str, str] | None = None)
   With counts and flags the table also answers count(word) and tags without a flags dict. */
static int Routes_init(Routes *self, PyObject *args, PyObject *kwds) {
    PyObject *words, *counts = Py_None, *flags = Py_None;
    double unknown;
    static char *names[] = {"log_probability", "unknown", "counts", "flags", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!d|OO", names, &PyDict_Type, &words, &unknown,
                                     &counts, &flags))
        return -1;
    if (self->slots != NULL) {
        PyErr_SetString(PyExc_RuntimeError, "Routes is built once");
        return -1;
    }
    if ((counts != Py_None && !PyDict_Check(counts)) || (flags != Py_None && !PyDict_Check(flags))) {
        PyErr_SetString(PyExc_TypeError, "counts and flags are dicts or None");
        return -1;
    }
    Py_ssize_t count = PyDict_Size(words);
    size_t total_length = 0;
    PyObject *key, *value;
    Py_ssize_t position = 0;
    while (PyDict_Next(words, &position, &key, &value)) {
        /* Exact types: looking a plain str up runs no Python code that could change the dicts. */
        if (!PyUnicode_CheckExact(key) || (value != Py_None && !PyFloat_CheckExact(value))) {
            PyErr_SetString(PyExc_TypeError, "log_probability maps str to float or None");
            return -1;
        }
        total_length += (size_t)PyUnicode_GET_LENGTH(key);
    }
    if (total_length > UINT32_MAX || (size_t)count > UINT32_MAX / 4) {
        PyErr_SetString(PyExc_ValueError, "dictionary too large");
        return -1;
    }
    size_t size = 16;
    while (size < 2 * (size_t)count + 1)
        size <<= 1;
    self->unknown = unknown;
    if (allocate(self, size, (size_t)count, total_length) < 0)
        return -1;
    PyObject *flag_list = PyList_New(0), *flag_numbers = PyDict_New();
    /* The words held by a list of their own: a lookup in counts or flags (whose keys may be of
       any kind) cannot free or change them under the loop. */
    PyObject *items = PyDict_Items(words);
    int failed = flag_list == NULL || flag_numbers == NULL || items == NULL;
    size_t used = 0, keys = 0;
    Py_ssize_t listed = items != NULL ? PyList_GET_SIZE(items) : 0;
    for (Py_ssize_t item = 0; !failed && item < listed; item++) {
        key = PyTuple_GET_ITEM(PyList_GET_ITEM(items, item), 0);
        value = PyTuple_GET_ITEM(PyList_GET_ITEM(items, item), 1);
        int kind = PyUnicode_KIND(key);
        const void *data = PyUnicode_DATA(key);
        Py_ssize_t length = PyUnicode_GET_LENGTH(key);
        if (length == 0)
            continue;  /* an empty fragment is never looked up */
        if (keys >= (size_t)count || used + (size_t)length > total_length) {
            PyErr_SetString(PyExc_RuntimeError, "log_probability changed while the table was built");
            failed = 1;
            break;
        }
        uint64_t h = FNV_OFFSET;
        for (Py_ssize_t i = 0; i < length; i++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, i);
            self->pool[used + i] = c;
            h = extend_hash(h, c);
        }
        if (find(self, h, kind, data, 0, length) >= 0)
            continue;  /* dict keys are unique; kept safe */
        self->hashes[keys] = h;
        self->offsets[keys] = (uint32_t)used;
        self->lengths[keys] = (uint32_t)length;
        self->is_word[keys] = value != Py_None;
        self->values[keys] = value != Py_None ? PyFloat_AS_DOUBLE(value) : 0.0;
        self->flag_ids[keys] = NO_FLAG;
        if (counts != Py_None) {
            PyObject *number = PyDict_GetItemWithError(counts, key); /* borrowed */
            if (number != NULL) {
                long long n = PyLong_CheckExact(number) ? PyLong_AsLongLong(number) : -1;
                if (n < 0) {
                    if (!PyErr_Occurred())
                        PyErr_SetString(PyExc_TypeError, "counts maps str to int >= 0");
                    failed = 1;
                    break;
                }
                self->counts[keys] = n;
            } else if (PyErr_Occurred()) {
                failed = 1;
                break;
            }
        }
        if (flags != Py_None) {
            PyObject *flag = PyDict_GetItemWithError(flags, key); /* borrowed */
            if (flag != NULL && !PyUnicode_CheckExact(flag)) {
                PyErr_SetString(PyExc_TypeError, "flags maps str to str");
                failed = 1;
                break;
            }
            Py_XINCREF(flag); /* held while it is looked up and listed */
            int number = flag != NULL ? flag_index(flag_numbers, flag_list, flag) : PyErr_Occurred() ? -1 : NO_FLAG;
            Py_XDECREF(flag);
            if (number < 0) {
                failed = 1;
                break;
            }
            self->flag_ids[keys] = (uint16_t)number;
        }
        size_t slot = (size_t)(h ^ (h >> 29)) & self->mask;
        while (self->slots[slot] != 0)
            slot = (slot + 1) & self->mask;
        self->slots[slot] = (uint32_t)(keys + 1);
        used += (size_t)length;
        keys++;
    }
    if (!failed)
        self->flag_names = PyList_AsTuple(flag_list);
    Py_XDECREF(flag_list);
    Py_XDECREF(flag_numbers);
    Py_XDECREF(items);
    if (failed || self->flag_names == NULL)
        return -1;
    self->keys = keys;
    self->pool_used = used;
    return 0;
}

/* Cut points of code points [first, last) of a string by the best route (jieba's rule without
   HMM): cut[i] is the end of the word starting at i.  Scored from the right. */
static int best_cuts(const Routes *self, int kind, const void *data, Py_ssize_t first,
                     Py_ssize_t last, Py_ssize_t *cut, double *score) {
    Py_ssize_t n = last - first;
    score[n] = 0.0;
    for (Py_ssize_t start = n - 1; start >= 0; start--) {
        Py_ssize_t best_end = start + 1;
        int have = 0;
        double best = 0.0;
        uint64_t h = FNV_OFFSET;
        for (Py_ssize_t end = start + 1; end <= n; end++) {
            h = extend_hash(h, PyUnicode_READ(kind, data, first + end - 1));
            Py_ssize_t key = find(self, h, kind, data, first + start, first + end);
            if (key < 0)
                break;  /* no word goes on from this fragment */
            if (self->is_word[key]) {
                double total = self->values[key] + score[end];
                if (!have || total >= best) {
                    best_end = end;
                    best = total;
                    have = 1;
                }
            }
        }
        score[start] = have ? best : self->unknown + score[start + 1];
        cut[start] = best_end;
    }
    return 0;
}

/* What tagger.py's _BLOCK holds together: Han (U+4E00..U+9FD5), ASCII letters and digits, +#&._ */
static inline int in_block(Py_UCS4 c) {
    return (c >= 0x4E00 && c <= 0x9FD5) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '+' || c == '#' || c == '&' || c == '.' || c == '_';
}

static inline int ascii_alnum(Py_UCS4 c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int append_token(PyObject *tokens, PyObject *word, PyObject *flag) {
    if (word == NULL)
        return -1;
    PyObject *pair = PyTuple_Pack(2, word, flag);
    Py_DECREF(word);
    if (pair == NULL)
        return -1;
    int failed = PyList_Append(tokens, pair);
    Py_DECREF(pair);
    return failed;
}

static PyObject *flag_of(PyObject *flags, PyObject *word, PyObject *other) {
    PyObject *flag = PyDict_GetItemWithError(flags, word);  /* borrowed */
    if (flag == NULL && !PyErr_Occurred())
        flag = other;
    return flag;
}

/* A Routes made by __new__ alone has no table: its methods refuse instead of reading NULL. */
static int unbuilt(const Routes *self) {
    if (self->slots != NULL && self->flag_names != NULL)
        return 0;
    PyErr_SetString(PyExc_RuntimeError, "Routes is not built");
    return 1;
}

/* The key index of code points [start, end) of a string, hashed here; -1 when absent. */
static Py_ssize_t find_span(const Routes *self, int kind, const void *data, Py_ssize_t start, Py_ssize_t end) {
    uint64_t h = FNV_OFFSET;
    for (Py_ssize_t i = start; i < end; i++)
        h = extend_hash(h, PyUnicode_READ(kind, data, i));
    return find(self, h, kind, data, start, end);
}

/* The flag the table holds for code points [start, end) of a string (borrowed), else `other`. */
static PyObject *stored_flag(const Routes *self, int kind, const void *data, Py_ssize_t start,
                             Py_ssize_t end, PyObject *other) {
    Py_ssize_t key = find_span(self, kind, data, start, end);
    if (key < 0 || self->flag_ids[key] == NO_FLAG)
        return other;
    return PyTuple_GET_ITEM(self->flag_names, self->flag_ids[key]);
}

/* tag(window: str, flags: dict[str, str] | None = None) -> tuple[tuple[str, str], ...]
   Without flags, the flags the table was built with. */
static PyObject *Routes_tag(Routes *self, PyObject *args) {
    PyObject *window, *flags = Py_None;
    if (unbuilt(self) || !PyArg_ParseTuple(args, "U|O", &window, &flags))
        return NULL;
    if (flags != Py_None && !PyDict_Check(flags)) {
        PyErr_SetString(PyExc_TypeError, "flags is a dict or None");
        return NULL;
    }
    int kind = PyUnicode_KIND(window);
    const void *data = PyUnicode_DATA(window);
    Py_ssize_t length = PyUnicode_GET_LENGTH(window);
    PyObject *x = PyUnicode_FromString("x"), *eng = PyUnicode_FromString("eng");
    PyObject *tokens = PyList_New(0);
    Py_ssize_t *cut = PyMem_Malloc((length + 1) * sizeof(Py_ssize_t));
    double *score = PyMem_Malloc((length + 1) * sizeof(double));
    PyObject *result = NULL;
    if (!x || !eng || !tokens || !cut || !score) {
        if (!PyErr_Occurred())
            PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t i = 0;
    while (i < length) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (!in_block(c)) {
            /* Outside a block every character is a token tagged x; a CRLF is one. */
            Py_ssize_t width = (c == '\r' && i + 1 < length && PyUnicode_READ(kind, data, i + 1) == '\n') ? 2 : 1;
            if (append_token(tokens, PyUnicode_Substring(window, i, i + width), x) < 0)
                goto done;
            i += width;
            continue;
        }
        Py_ssize_t last = i;
        while (last < length && in_block(PyUnicode_READ(kind, data, last)))
            last++;
        best_cuts(self, kind, data, i, last, cut, score);
        Py_ssize_t latin_start = -1;  /* single letters and digits run together as one eng token */
        Py_ssize_t position = 0, n = last - i;
        while (position < n) {
            Py_ssize_t end = cut[position];
            Py_ssize_t at = i + position;
            if (end - position == 1 && ascii_alnum(PyUnicode_READ(kind, data, at))) {
                if (latin_start < 0)
                    latin_start = at;
            } else {
                if (latin_start >= 0) {
                    if (append_token(tokens, PyUnicode_Substring(window, latin_start, at), eng) < 0)
                        goto done;
                    latin_start = -1;
                }
                PyObject *word = PyUnicode_Substring(window, at, i + end);
                if (word == NULL)
                    goto done;
                PyObject *flag = flags != Py_None ? flag_of(flags, word, x)
                                                  : stored_flag(self, kind, data, at, i + end, x);
                if (flag == NULL) {
                    Py_DECREF(word);
                    goto done;
                }
                if (append_token(tokens, word, flag) < 0)
                    goto done;
            }
            position = end;
        }
        if (latin_start >= 0 && append_token(tokens, PyUnicode_Substring(window, latin_start, last), eng) < 0)
            goto done;
        i = last;
    }
    result = PyList_AsTuple(tokens);
done:
    Py_XDECREF(x);
    Py_XDECREF(eng);
    Py_XDECREF(tokens);
    PyMem_Free(cut);
    PyMem_Free(score);
    return result;
}

/* route(block: str) -> list[str]: the words of a block by the best route, as _route gives. */
static PyObject *Routes_route(Routes *self, PyObject *args) {
    PyObject *block;
    if (unbuilt(self) || !PyArg_ParseTuple(args, "U", &block))
        return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(block);
    Py_ssize_t *cut = PyMem_Malloc((n + 1) * sizeof(Py_ssize_t));
    double *score = PyMem_Malloc((n + 1) * sizeof(double));
    PyObject *words = PyList_New(0);
    PyObject *result = NULL;
    if (!cut || !score || !words) {
        if (!PyErr_Occurred())
            PyErr_NoMemory();
        goto done;
    }
    best_cuts(self, PyUnicode_KIND(block), PyUnicode_DATA(block), 0, n, cut, score);
    for (Py_ssize_t position = 0; position < n; position = cut[position]) {
        PyObject *word = PyUnicode_Substring(block, position, cut[position]);
        if (word == NULL || PyList_Append(words, word) < 0) {
            Py_XDECREF(word);
            goto done;
        }
        Py_DECREF(word);
    }
    result = words;
    words = NULL;
done:
    Py_XDECREF(words);
    PyMem_Free(cut);
    PyMem_Free(score);
    return result;
}

static PyObject *Routes_len(Routes *self, PyObject *Py_UNUSED(ignored)) {
    return PyLong_FromSize_t(self->keys);
}

/* count(word: str) -> int: the word's count in the dictionary, 0 for a prefix or an unknown word. */
static PyObject *Routes_count(Routes *self, PyObject *word) {
    if (unbuilt(self))
        return NULL;
    if (!PyUnicode_Check(word)) {
        PyErr_SetString(PyExc_TypeError, "count(word): word is a str");
        return NULL;
    }
    Py_ssize_t length = PyUnicode_GET_LENGTH(word);
    Py_ssize_t key = length ? find_span(self, PyUnicode_KIND(word), PyUnicode_DATA(word), 0, length) : -1;
    return PyLong_FromLongLong(key < 0 ? 0 : (long long)self->counts[key]);
}

/* The stored form (dumps/loads): a 64-byte header, then the arrays as they are in memory, then
   the flag names in UTF-8, each ended by a NUL.  The header names the format and the byte order,
   so a file from another format or machine is refused, never misread. */
static const char TABLE_MAGIC[8] = {'C', 'N', 'R', 'O', 'U', 'T', 'E', 'S'};
static const uint32_t TABLE_FORMAT = 1;
static const uint32_t TABLE_ORDER = 0x01020304;
#define TABLE_HEADER 64

typedef struct {
    uint64_t slots, keys, pool, flag_bytes;
    uint32_t flags;
    double unknown;
} TableSizes;

/* Bytes of the arrays of a table of these sizes (each below 2^32: no overflow in 64 bits). */
static uint64_t table_bytes(const TableSizes *t) {
    return TABLE_HEADER + t->slots * 4 + t->keys * (8 + 4 + 4 + 8 + 1 + 8 + 2) + t->pool * 4 + t->flag_bytes;
}

/* The arrays of a table in their stored order, with their sizes in bytes (table_bytes adds
   the same sizes). */
#define TABLE_ARRAYS 9
typedef struct {
    void *base;
    size_t size;
} TableArray;

static void table_arrays(Routes *self, const TableSizes *t, TableArray arrays[TABLE_ARRAYS]) {
    TableArray order[TABLE_ARRAYS] = {
        {self->slots, t->slots * 4},   {self->hashes, t->keys * 8}, {self->offsets, t->keys * 4},
        {self->lengths, t->keys * 4},  {self->values, t->keys * 8}, {self->is_word, t->keys},
        {self->counts, t->keys * 8},   {self->flag_ids, t->keys * 2}, {self->pool, t->pool * 4},
    };
    memcpy(arrays, order, sizeof(order));
}

static char *put(char *at, const void *what, size_t size) {
    memcpy(at, what, size);
    return at + size;
}

static const char *take(const char *at, void *into, size_t size) {
    memcpy(into, at, size);
    return at + size;
}

/* dumps() -> bytes: the table in its stored form (Routes.loads reads it back). */
static PyObject *Routes_dumps(Routes *self, PyObject *Py_UNUSED(ignored)) {
    if (unbuilt(self))
        return NULL;
    Py_ssize_t flags = PyTuple_GET_SIZE(self->flag_names);
    uint64_t flag_bytes = 0;
    for (Py_ssize_t i = 0; i < flags; i++) {
        Py_ssize_t size;
        const char *name = PyUnicode_AsUTF8AndSize(PyTuple_GET_ITEM(self->flag_names, i), &size);
        if (name == NULL)
            return NULL;
        if (memchr(name, '\0', (size_t)size) != NULL) {
            PyErr_SetString(PyExc_ValueError, "a flag holds a NUL");
            return NULL;
        }
        flag_bytes += (uint64_t)size + 1;
    }
    TableSizes t = {self->mask + 1, self->keys, self->pool_used, flag_bytes, (uint32_t)flags, self->unknown};
    PyObject *out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)table_bytes(&t));
    if (out == NULL)
        return NULL;
    char *at = PyBytes_AS_STRING(out);
    uint32_t reserved = 0;
    at = put(at, TABLE_MAGIC, 8);
    at = put(at, &TABLE_FORMAT, 4);
    at = put(at, &TABLE_ORDER, 4);
    at = put(at, &t.slots, 8);
    at = put(at, &t.keys, 8);
    at = put(at, &t.pool, 8);
    at = put(at, &t.flag_bytes, 8);
    at = put(at, &t.flags, 4);
    at = put(at, &reserved, 4);
    at = put(at, &t.unknown, 8);
    TableArray arrays[TABLE_ARRAYS];
    table_arrays(self, &t, arrays);
    for (int i = 0; i < TABLE_ARRAYS; i++)
        at = put(at, arrays[i].base, arrays[i].size);
    for (Py_ssize_t i = 0; i < flags; i++) {
        Py_ssize_t size;
        const char *name = PyUnicode_AsUTF8AndSize(PyTuple_GET_ITEM(self->flag_names, i), &size);
        at = put(at, name, (size_t)size + 1);  /* with its NUL */
    }
    return out;
}

static int refuse(const char *why) {
    PyErr_Format(PyExc_ValueError, "not a stored route table: %s", why);
    return -1;
}

/* The header's sizes, checked against each other and the blob's length. */
static int read_header(const char *data, Py_ssize_t length, TableSizes *t) {
    if (length < TABLE_HEADER || memcmp(data, TABLE_MAGIC, 8) != 0)
        return refuse("no header");
    uint32_t format, order, reserved;
    const char *at = data + 8;
    at = take(at, &format, 4);
    at = take(at, &order, 4);
    if (order != TABLE_ORDER)
        return refuse("written on a machine of another byte order");
    if (format != TABLE_FORMAT)
        return refuse("another format");
    at = take(at, &t->slots, 8);
    at = take(at, &t->keys, 8);
    at = take(at, &t->pool, 8);
    at = take(at, &t->flag_bytes, 8);
    at = take(at, &t->flags, 4);
    at = take(at, &reserved, 4);
    take(at, &t->unknown, 8);
    if (t->slots < 16 || t->slots > ((uint64_t)1 << 32) || (t->slots & (t->slots - 1)) != 0)
        return refuse("slot count");
    /* Fewer keys than slots: a probe always meets an empty slot. */
    if (t->keys >= t->slots || t->keys > UINT32_MAX / 4 || t->pool > UINT32_MAX || t->flag_bytes > UINT32_MAX ||
        t->flags > NO_FLAG)
        return refuse("sizes");
    if (table_bytes(t) != (uint64_t)length)
        return refuse("cut short or too long");
    return 0;
}

/* Every index in the arrays points inside them; the flag names are as many as said, in UTF-8. */
static int check_arrays(Routes *self, const char *names, uint64_t name_bytes, uint32_t flags) {
    size_t filled = 0;
    for (size_t i = 0; i <= self->mask; i++) {
        if (self->slots[i] > self->keys)
            return refuse("slot out of range");
        filled += self->slots[i] != 0;
    }
    if (filled != self->keys)
        return refuse("slots and keys disagree");
    for (size_t k = 0; k < self->keys; k++) {
        if (self->lengths[k] == 0 || (uint64_t)self->offsets[k] + self->lengths[k] > self->pool_used)
            return refuse("key outside the pool");
        if (self->is_word[k] > 1 || self->counts[k] < 0 || (self->flag_ids[k] >= flags && self->flag_ids[k] != NO_FLAG))
            return refuse("key values");
    }
    /* Every key hashed as this build hashes it, and found where this build looks: a table from
       a build with another hash or probe would pass the checks above and find nothing. */
    for (size_t k = 0; k < self->keys; k++) {
        const Py_UCS4 *word = self->pool + self->offsets[k];
        uint64_t h = FNV_OFFSET;
        for (uint32_t i = 0; i < self->lengths[k]; i++)
            h = extend_hash(h, word[i]);
        if (h != self->hashes[k] || find(self, h, PyUnicode_4BYTE_KIND, word, 0, self->lengths[k]) != (Py_ssize_t)k)
            return refuse("keys not where this build finds them");
    }
    if ((name_bytes == 0) != (flags == 0) || (name_bytes && names[name_bytes - 1] != '\0'))
        return refuse("flag names");
    PyObject *list = PyList_New(0);
    if (list == NULL)
        return -1;
    const char *at = names, *end = names + name_bytes;
    while (at < end) {
        size_t size = strlen(at);  /* the last name ends with a NUL: strlen stays inside */
        PyObject *name = PyUnicode_DecodeUTF8(at, (Py_ssize_t)size, "strict");
        if (name == NULL || PyList_Append(list, name) < 0) {
            Py_XDECREF(name);
            Py_DECREF(list);
            return -1;
        }
        Py_DECREF(name);
        at += size + 1;
    }
    if (PyList_GET_SIZE(list) != (Py_ssize_t)flags) {
        Py_DECREF(list);
        return refuse("flag count");
    }
    self->flag_names = PyList_AsTuple(list);
    Py_DECREF(list);
    return self->flag_names == NULL ? -1 : 0;
}

/* Routes.loads(data: bytes) -> Routes: a table from its stored form; ValueError when it is not one. */
static PyObject *Routes_loads(PyObject *type, PyObject *blob) {
    Py_buffer view;
    if (PyObject_GetBuffer(blob, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    Routes *self = NULL;
    TableSizes t;
    const char *at = view.buf;
    if (read_header(at, view.len, &t) < 0)
        goto failed;
    self = (Routes *)((PyTypeObject *)type)->tp_alloc((PyTypeObject *)type, 0);
    if (self == NULL || allocate(self, (size_t)t.slots, (size_t)t.keys, (size_t)t.pool) < 0)
        goto failed;
    self->keys = (size_t)t.keys;
    self->pool_used = (size_t)t.pool;
    self->unknown = t.unknown;
    at += TABLE_HEADER;
    TableArray arrays[TABLE_ARRAYS];
    table_arrays(self, &t, arrays);
    for (int i = 0; i < TABLE_ARRAYS; i++)
        at = take(at, arrays[i].base, arrays[i].size);
    if (check_arrays(self, at, t.flag_bytes, t.flags) < 0)
        goto failed;
    PyBuffer_Release(&view);
    return (PyObject *)self;
failed:
    Py_XDECREF(self);
    PyBuffer_Release(&view);
    return NULL;
}

static PyMethodDef Routes_methods[] = {
    {"tag", (PyCFunction)Routes_tag, METH_VARARGS,
     "tag(window, flags=None): (word, flag) pairs of the window, as WindowTagger._tag_in_python gives;\n"
     "without flags, those the table was built with."},
    {"route", (PyCFunction)Routes_route, METH_VARARGS,
     "route(block): the block's words by the best route, as WindowTagger._route gives."},
    {"size", (PyCFunction)Routes_len, METH_NOARGS, "size(): the number of words and prefixes held."},
    {"count", (PyCFunction)Routes_count, METH_O, "count(word): the word's count, 0 for a prefix or unknown word."},
    {"dumps", (PyCFunction)Routes_dumps, METH_NOARGS, "dumps(): the table as bytes, for Routes.loads."},
    {"loads", (PyCFunction)Routes_loads, METH_O | METH_CLASS,
     "loads(data): a table from dumps(); ValueError when data is not one."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject RoutesType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "transforms._native.Routes",
    .tp_doc = PyDoc_STR("Routes(log_probability, unknown): a compact word table for best routes."),
    .tp_basicsize = sizeof(Routes),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Routes_init,
    .tp_dealloc = (destructor)Routes_dealloc,
    .tp_methods = Routes_methods,
};


/* 2. Leftmost-longest name scans, for transforms.gazetteer.NameScanner.

   The same scan as NameScanner._scan_in_python: a position is looked at only when its character
   can begin a name and the next one can follow (bitmaps here, a character class there); its
   two characters give the lengths of the names starting so, longest first, and the first name
   found (cut short at the text's end, as a slice is) is a hit; the next hit starts after it. */

typedef struct {
    PyObject_HEAD
    PyObject *codes;    /* dict: name -> codes */
    PyObject *lengths;  /* dict: first two characters -> tuple of lengths, longest first */
    uint8_t *firsts;    /* bitmap over code points */
    uint8_t *seconds;
} Names;

#define CODE_POINTS 0x110000

static inline int has(const uint8_t *bitmap, Py_UCS4 c) {
    return c < CODE_POINTS && (bitmap[c >> 3] >> (c & 7)) & 1;
}

static int fill(uint8_t *bitmap, PyObject *characters) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(characters);
    int kind = PyUnicode_KIND(characters);
    const void *data = PyUnicode_DATA(characters);
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        bitmap[c >> 3] |= (uint8_t)(1u << (c & 7));
    }
    return 0;
}

static void Names_dealloc(Names *self) {
    Py_XDECREF(self->codes);
    Py_XDECREF(self->lengths);
    PyMem_Free(self->firsts);
    PyMem_Free(self->seconds);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* Names(codes, lengths, firsts: str, seconds: str) */
static int Names_init(Names *self, PyObject *args, PyObject *kwds) {
    PyObject *codes, *lengths, *firsts, *seconds;
    static char *names[] = {"codes", "lengths", "firsts", "seconds", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!O!UU", names, &PyDict_Type, &codes, &PyDict_Type,
                                     &lengths, &firsts, &seconds))
        return -1;
    if (self->firsts != NULL) {
        PyErr_SetString(PyExc_RuntimeError, "Names is built once");
        return -1;
    }
    self->firsts = PyMem_Calloc(CODE_POINTS / 8, 1);
    self->seconds = PyMem_Calloc(CODE_POINTS / 8, 1);
    if (!self->firsts || !self->seconds) {
        PyErr_NoMemory();
        return -1;
    }
    fill(self->firsts, firsts);
    fill(self->seconds, seconds);
    Py_INCREF(codes);
    Py_INCREF(lengths);
    self->codes = codes;
    self->lengths = lengths;
    return 0;
}

/* scan(text) -> list[tuple[int, int, str, tuple[str, ...]]] */
static PyObject *Names_scan(Names *self, PyObject *args) {
    PyObject *text;
    if (!PyArg_ParseTuple(args, "U", &text))
        return NULL;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    PyObject *hits = PyList_New(0);
    if (hits == NULL)
        return NULL;
    Py_ssize_t start = 0;
    while (start + 1 < n) {
        if (!has(self->firsts, PyUnicode_READ(kind, data, start)) ||
            !has(self->seconds, PyUnicode_READ(kind, data, start + 1))) {
            start++;
            continue;
        }
        PyObject *head = PyUnicode_Substring(text, start, start + 2);
        if (head == NULL)
            goto fail;
        PyObject *head_lengths = PyDict_GetItemWithError(self->lengths, head);  /* borrowed */
        Py_DECREF(head);
        if (head_lengths == NULL) {
            if (PyErr_Occurred())
                goto fail;
            start++;
            continue;
        }
        if (!PyTuple_Check(head_lengths)) {
            PyErr_SetString(PyExc_TypeError, "lengths maps to tuples of ints");
            goto fail;
        }
        Py_ssize_t next = start + 1;
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(head_lengths); i++) {
            Py_ssize_t length = PyLong_AsSsize_t(PyTuple_GET_ITEM(head_lengths, i));
            if (length < 0) {
                if (!PyErr_Occurred())
                    PyErr_SetString(PyExc_ValueError, "a name length is positive");
                goto fail;
            }
            Py_ssize_t end = start + length < n ? start + length : n;  /* shorter at the text's end */
            PyObject *name = PyUnicode_Substring(text, start, end);
            if (name == NULL)
                goto fail;
            PyObject *found = PyDict_GetItemWithError(self->codes, name);  /* borrowed */
            if (found == NULL) {
                Py_DECREF(name);
                if (PyErr_Occurred())
                    goto fail;
                continue;
            }
            PyObject *hit = Py_BuildValue("(nnNO)", start, end, name, found);  /* N: takes name */
            if (hit == NULL || PyList_Append(hits, hit) < 0) {
                Py_XDECREF(hit);
                goto fail;
            }
            Py_DECREF(hit);
            next = end;
            break;
        }
        start = next;
    }
    return hits;
fail:
    Py_DECREF(hits);
    return NULL;
}

static PyMethodDef Names_methods[] = {
    {"scan", (PyCFunction)Names_scan, METH_VARARGS,
     "scan(text): (start, end, name, codes) of every hit, as NameScanner._scan_in_python gives."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject NamesType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "transforms._native.Names",
    .tp_doc = PyDoc_STR("Names(codes, lengths, firsts, seconds): a leftmost-longest name scanner."),
    .tp_basicsize = sizeof(Names),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Names_init,
    .tp_dealloc = (destructor)Names_dealloc,
    .tp_methods = Names_methods,
};

/* 3. MinHash signatures, for warehouse.syndication.minhashes.

   The numpy version computes each shingle's zlib CRC-32 from per-character tables, seeds it
   with every permutation's seed, mixes the (permutations x shingles) matrix in eight passes
   over memory and reduces it per text.  Here each shingle's CRC-32 (of its UTF-8 bytes, the
   standard reflected polynomial) is computed from its characters, and each (shingle, seed)
   value is mixed in registers and folded into its text's minimum at once, with the GIL
   released.  The arithmetic is the same 64-bit xor-shift-multiply with wrap-around, masked
   to 32 bits, so the signatures are identical (tests/test_syndication.py compares both with
   the one-shingle-at-a-time definition). */

#define SHINGLE 4

static uint32_t crc_table[256];

static void fill_crc_table(void) {
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xEDB88320U ^ (c >> 1) : c >> 1;
        crc_table[n] = c;
    }
}

/* UTF-8 bytes of a code point (a lone surrogate as its three bytes, as "surrogatepass"). */
static inline int utf8(Py_UCS4 c, uint8_t *out) {
    if (c < 0x80) {
        out[0] = (uint8_t)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (uint8_t)(0xC0 | (c >> 6));
        out[1] = (uint8_t)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (uint8_t)(0xE0 | (c >> 12));
        out[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
        out[2] = (uint8_t)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (uint8_t)(0xF0 | (c >> 18));
    out[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3F));
    out[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
    out[3] = (uint8_t)(0x80 | (c & 0x3F));
    return 4;
}

static inline uint64_t mix64(uint64_t x) {
    x ^= x >> 33;
    x *= 0xFF51AFD7ED558CCDULL;
    x ^= x >> 33;
    x *= 0xC4CEB9FE1A85EC53ULL;
    return x ^ (x >> 33);
}

typedef struct {
    int kind;
    const void *data;
    Py_ssize_t length;
} TextView;

/* The CRC-32 of the UTF-8 bytes of characters first .. first+count-1. */
static inline uint32_t shingle_crc(const TextView *t, Py_ssize_t first, Py_ssize_t count) {
    uint8_t bytes[4 * SHINGLE];
    int n = 0;
    for (Py_ssize_t i = first; i < first + count; i++)
        n += utf8(PyUnicode_READ(t->kind, t->data, i), bytes + n);
    uint32_t crc = 0xFFFFFFFFU;
    for (int i = 0; i < n; i++)
        crc = crc_table[(crc ^ bytes[i]) & 0xFF] ^ (crc >> 8);
    return crc ^ 0xFFFFFFFFU;
}

static void sign(const TextView *t, const uint64_t *seed, Py_ssize_t permutations, uint32_t *minimum,
                 uint8_t *row) {
    for (Py_ssize_t k = 0; k < permutations; k++)
        minimum[k] = UINT32_MAX;
    /* a text of at most SHINGLE characters is its own one shingle */
    Py_ssize_t windows = t->length > SHINGLE ? t->length - SHINGLE + 1 : 1;
    Py_ssize_t width = t->length > SHINGLE ? SHINGLE : t->length;
    for (Py_ssize_t w = 0; w < windows; w++) {
        uint64_t value = shingle_crc(t, w, width);
        for (Py_ssize_t k = 0; k < permutations; k++) {
            uint32_t h = (uint32_t)mix64(value ^ seed[k]);
            if (h < minimum[k])
                minimum[k] = h;
        }
    }
    for (Py_ssize_t k = 0; k < permutations; k++) { /* little-endian, as the stored signatures */
        row[4 * k] = minimum[k] & 0xFF;
        row[4 * k + 1] = (minimum[k] >> 8) & 0xFF;
        row[4 * k + 2] = (minimum[k] >> 16) & 0xFF;
        row[4 * k + 3] = minimum[k] >> 24;
    }
}

static PyObject *native_signatures(PyObject *Py_UNUSED(module), PyObject *args) {
    PyObject *given;
    Py_buffer seeds;
    if (!PyArg_ParseTuple(args, "Oy*", &given, &seeds))
        return NULL;
    PyObject *result = NULL, *texts = PySequence_Tuple(given); /* holds the texts while unlocked */
    TextView *views = NULL;
    uint32_t *minimum = NULL;
    Py_ssize_t permutations = seeds.len / 8, count = texts ? PyTuple_GET_SIZE(texts) : 0;
    if (texts == NULL)
        goto done;
    if (seeds.len % 8 != 0 || permutations == 0) {
        PyErr_SetString(PyExc_ValueError, "signatures: seeds must be a non-empty buffer of uint64");
        goto done;
    }
    views = PyMem_Malloc((count ? count : 1) * sizeof(TextView));
    minimum = PyMem_Malloc(permutations * sizeof(uint32_t));
    if (views == NULL || minimum == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *text = PyTuple_GET_ITEM(texts, i);
        if (!PyUnicode_Check(text) || PyUnicode_READY(text) < 0 || PyUnicode_GET_LENGTH(text) == 0) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_ValueError, "signatures: each text must be a non-empty str");
            goto done;
        }
        views[i] = (TextView){PyUnicode_KIND(text), PyUnicode_DATA(text), PyUnicode_GET_LENGTH(text)};
    }
    result = PyBytes_FromStringAndSize(NULL, count * permutations * 4);
    if (result == NULL)
        goto done;
    uint8_t *out = (uint8_t *)PyBytes_AS_STRING(result);
    const uint64_t *seed = seeds.buf;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < count; i++)
        sign(&views[i], seed, permutations, minimum, out + i * permutations * 4);
    Py_END_ALLOW_THREADS
done:
    PyMem_Free(views);
    PyMem_Free(minimum);
    Py_XDECREF(texts);
    PyBuffer_Release(&seeds);
    return result;
}

static PyMethodDef native_functions[] = {
    {"signatures", native_signatures, METH_VARARGS,
     "signatures(texts, seeds) -> bytes: per text, the little-endian uint32 minimum over its shingles' "
     "mixed CRC-32s, for each seed."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef native_module = {
    PyModuleDef_HEAD_INIT, "_native",
    "Hot loops: best routes (tagger), name scans (gazetteer) and MinHash signatures (syndication).", -1,
    native_functions,
};

PyMODINIT_FUNC PyInit__native(void) {
    fill_crc_table();
    if (PyType_Ready(&RoutesType) < 0 || PyType_Ready(&NamesType) < 0)
        return NULL;
    PyObject *module = PyModule_Create(&native_module);
    if (module == NULL)
        return NULL;
    Py_INCREF(&RoutesType);
    if (PyModule_AddObject(module, "Routes", (PyObject *)&RoutesType) < 0) {
        Py_DECREF(&RoutesType);
        Py_DECREF(module);
        return NULL;
    }
    Py_INCREF(&NamesType);
    if (PyModule_AddObject(module, "Names", (PyObject *)&NamesType) < 0) {
        Py_DECREF(&NamesType);
        Py_DECREF(module);
        return NULL;
    }
    return module;
}

/*
 * Account keys: seeds, ed25519 and sr25519 keypairs, the dev accounts, key
 * files and accounts written as text (see keys.h).
 */
#include "node/keys.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/hash.h"
#include "util/hex.h"
#include "util/sr25519.h"
#include "util/ss58.h"

_Static_assert(crypto_sign_SEEDBYTES == GB_KEY_SEED_LEN, "seed size");
_Static_assert(crypto_sign_PUBLICKEYBYTES == GB_KEY_PUBLIC_LEN, "pk size");
_Static_assert(crypto_sign_SECRETKEYBYTES == GB_KEY_SECRET_LEN, "sk size");
_Static_assert(GB_DEVKEY_SEED_LEN == GB_KEY_SEED_LEN, "dev seed size");
_Static_assert(GB_DEVKEY_PUBLIC_LEN == GB_KEY_PUBLIC_LEN, "dev pk size");
_Static_assert(GB_DEVKEY_SECRET_LEN == GB_KEY_SECRET_LEN, "dev sk size");
_Static_assert(GB_SR25519_MINI_LEN == GB_KEY_SEED_LEN, "sr25519 seed size");
_Static_assert(GB_SR25519_PUBLIC_LEN == GB_KEY_PUBLIC_LEN, "sr25519 pk size");
_Static_assert(GB_SS58_ACCOUNT_LEN == GB_KEY_PUBLIC_LEN, "ss58 account size");

#define SR_FILE_TAG "sr25519:"
#define ED_FILE_TAG "ed25519:"

static const char *const dev_names[GB_DEV_ACCOUNTS] = {
    "alice", "bob", "charlie", "dave", "eve", "ferdie", "george", "harry",
};

static void set_detail(char *detail, size_t len, const char *fmt, ...)
{
    if (!detail || !len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, len, fmt, ap);
    va_end(ap);
}

gb_err gb_key_random_seed(uint8_t out_seed[GB_KEY_SEED_LEN])
{
    /* randombytes needs a source: sodium_init() fails without one */
    if (sodium_init() < 0)
        return GB_IO;
    randombytes_buf(out_seed, GB_KEY_SEED_LEN);
    return GB_OK;
}

void gb_key_from_seed(const uint8_t seed[GB_KEY_SEED_LEN],
                      uint8_t out_pk[GB_KEY_PUBLIC_LEN],
                      uint8_t out_sk[GB_KEY_SECRET_LEN])
{
    if (sodium_init() < 0) {
        /* no randomness source: a seeded keypair needs none */
    }
    crypto_sign_seed_keypair(out_pk, out_sk, seed);
}

gb_id gb_key_account_id(const uint8_t pk[GB_KEY_PUBLIC_LEN])
{
    gb_id id;
    memcpy(id.b, pk, GB_ID_LEN);
    return id;
}

const char *gb_key_scheme_name(gb_key_scheme scheme)
{
    switch (scheme) {
    case GB_KEY_ED25519:
        return "ed25519";
    case GB_KEY_SR25519:
        return "sr25519";
    }
    return "unknown";
}

gb_err gb_key_public(gb_key_scheme scheme, const uint8_t seed[GB_KEY_SEED_LEN],
                     uint8_t out_pk[GB_KEY_PUBLIC_LEN])
{
    uint8_t pk[GB_KEY_PUBLIC_LEN], sk[GB_KEY_SECRET_LEN];
    switch (scheme) {
    case GB_KEY_ED25519:
        gb_key_from_seed(seed, pk, sk);
        break;
    case GB_KEY_SR25519:
        gb_sr25519_keypair_from_mini(seed, pk, sk);
        break;
    default:
        return GB_INVAL;
    }
    sodium_memzero(sk, sizeof sk);
    memcpy(out_pk, pk, GB_KEY_PUBLIC_LEN);
    return GB_OK;
}

const char *gb_dev_name(uint32_t index)
{
    return index < GB_DEV_ACCOUNTS ? dev_names[index] : NULL;
}

bool gb_dev_lookup(const char *name, uint32_t *out_index)
{
    if (!name)
        return false;
    if (name[0] == '/' && name[1] == '/')
        name += 2;
    for (uint32_t i = 0; i < GB_DEV_ACCOUNTS; i++)
        if (!strcasecmp(name, dev_names[i])) {
            *out_index = i;
            return true;
        }
    return false;
}

bool gb_sr_dev_lookup(const char *spec, uint32_t *out_index)
{
    if (!spec || strncasecmp(spec, "sr:", 3) != 0)
        return false;
    return gb_sr25519_dev_lookup(spec + 3, out_index);
}

gb_err gb_key_file_write(const char *path,
                         const uint8_t seed[GB_KEY_SEED_LEN], bool overwrite,
                         char *detail, size_t detail_len)
{
    return gb_key_file_write_scheme(path, GB_KEY_ED25519, seed, overwrite,
                                    detail, detail_len);
}

gb_err gb_key_file_write_scheme(const char *path, gb_key_scheme scheme,
                                const uint8_t seed[GB_KEY_SEED_LEN],
                                bool overwrite, char *detail,
                                size_t detail_len)
{
    /* [tag] 0x <64 digits> \n NUL */
    char text[sizeof SR_FILE_TAG - 1 + 2 + 2 * GB_KEY_SEED_LEN + 2];
    size_t t = 0;
    if (scheme == GB_KEY_SR25519) {
        memcpy(text, SR_FILE_TAG, sizeof SR_FILE_TAG - 1);
        t = sizeof SR_FILE_TAG - 1;
    } else if (scheme != GB_KEY_ED25519) {
        set_detail(detail, detail_len, "unknown key scheme %d", (int)scheme);
        return GB_INVAL;
    }
    text[t] = '0';
    text[t + 1] = 'x';
    gb_hex_encode(seed, GB_KEY_SEED_LEN, text + t + 2);
    text[t + 2 + 2 * GB_KEY_SEED_LEN] = '\n';
    size_t len = t + 2 + 2 * GB_KEY_SEED_LEN + 1;

    int flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC |
                (overwrite ? O_TRUNC : O_EXCL);
    int fd = open(path, flags, 0600);
    if (fd < 0) {
        int err = errno;
        if (err == EEXIST)
            set_detail(detail, detail_len,
                       "%s already exists: choose another file, or replace "
                       "it (its key is then lost) with --force",
                       path);
        else
            set_detail(detail, detail_len, "cannot create %s: %s", path,
                       strerror(err));
        sodium_memzero(text, sizeof text);
        return GB_IO;
    }
    gb_err e = GB_OK;
    /* an existing file keeps its mode through O_TRUNC: make it 0600 */
    if (fchmod(fd, 0600) != 0) {
        set_detail(detail, detail_len, "cannot chmod 600 %s: %s", path,
                   strerror(errno));
        e = GB_IO;
    }
    size_t done = 0;
    while (!e && done < len) {
        ssize_t n = write(fd, text + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            set_detail(detail, detail_len, "cannot write %s: %s", path,
                       strerror(errno));
            e = GB_IO;
            break;
        }
        done += (size_t)n;
    }
    if (!e && fsync(fd) != 0) {
        set_detail(detail, detail_len, "cannot write %s: %s", path,
                   strerror(errno));
        e = GB_IO;
    }
    if (close(fd) != 0 && !e) {
        set_detail(detail, detail_len, "cannot write %s: %s", path,
                   strerror(errno));
        e = GB_IO;
    }
    sodium_memzero(text, sizeof text);
    return e;
}

gb_err gb_key_file_read(const char *path, uint8_t out_seed[GB_KEY_SEED_LEN],
                        char *detail, size_t detail_len)
{
    gb_key_scheme scheme;
    uint8_t seed[GB_KEY_SEED_LEN];
    gb_err e = gb_key_file_read_scheme(path, &scheme, seed, detail,
                                       detail_len);
    if (!e && scheme != GB_KEY_ED25519) {
        set_detail(detail, detail_len,
                   "%s holds an %s key: gearbox transactions are signed with "
                   "ed25519 keys (make one with 'gearbox key new')",
                   path, gb_key_scheme_name(scheme));
        e = GB_UNSUPPORTED;
    }
    if (!e)
        memcpy(out_seed, seed, GB_KEY_SEED_LEN);
    sodium_memzero(seed, sizeof seed);
    return e;
}

gb_err gb_key_file_read_scheme(const char *path, gb_key_scheme *out_scheme,
                               uint8_t out_seed[GB_KEY_SEED_LEN],
                               char *detail, size_t detail_len)
{
    char buf[256];
    gb_err e = GB_OK;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        set_detail(detail, detail_len, "cannot open key file %s: %s%s", path,
                   strerror(errno),
                   errno == ENOENT ? " (create one with 'gearbox key new', "
                                     "or name a dev account such as alice)"
                                   : "");
        return GB_IO;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        set_detail(detail, detail_len, "cannot read key file %s: %s", path,
                   strerror(errno));
        e = GB_IO;
        goto out;
    }
    if (st.st_mode & 077) {
        set_detail(detail, detail_len,
                   "key file %s can be read by others (mode %04o): make it "
                   "private with 'chmod 600 %s'",
                   path, (unsigned)(st.st_mode & 0777), path);
        e = GB_INVALID;
        goto out;
    }
    size_t len = 0;
    for (;;) {
        ssize_t n = read(fd, buf + len, sizeof buf - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            set_detail(detail, detail_len, "cannot read key file %s: %s",
                       path, strerror(errno));
            e = GB_IO;
            goto out;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len == sizeof buf - 1)
            break; /* too long for a key file: rejected below */
    }
    buf[len] = 0;
    /* trim whitespace around the digits */
    char *s = buf, *end = buf + len;
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' ||
                       end[-1] == '\n' || end[-1] == '\r'))
        end--;
    *end = 0;
    gb_key_scheme scheme = GB_KEY_ED25519;
    if (!strncasecmp(s, SR_FILE_TAG, sizeof SR_FILE_TAG - 1)) {
        scheme = GB_KEY_SR25519;
        s += sizeof SR_FILE_TAG - 1;
    } else if (!strncasecmp(s, ED_FILE_TAG, sizeof ED_FILE_TAG - 1)) {
        s += sizeof ED_FILE_TAG - 1;
    }
    uint8_t seed[GB_KEY_SEED_LEN];
    size_t got = 0;
    if (gb_hex_decode(s, seed, sizeof seed, &got) != GB_OK ||
        got != GB_KEY_SEED_LEN) {
        set_detail(detail, detail_len,
                   "%s is not a gearbox key file: it should hold one seed, "
                   "0x and 64 hex digits, after 'sr25519:' for an sr25519 "
                   "key (make one with 'gearbox key new')",
                   path);
        e = GB_MALFORMED;
    } else {
        memcpy(out_seed, seed, GB_KEY_SEED_LEN);
        *out_scheme = scheme;
    }
    sodium_memzero(seed, sizeof seed);
out:
    sodium_memzero(buf, sizeof buf);
    close(fd);
    return e;
}

gb_err gb_key_resolve_scheme(const char *spec, gb_key_scheme *out_scheme,
                             uint8_t out_seed[GB_KEY_SEED_LEN],
                             uint32_t *out_dev_index, char *detail,
                             size_t detail_len)
{
    uint32_t i;
    if (gb_dev_lookup(spec, &i)) {
        gb_dev_seed(i, out_seed);
        *out_scheme = GB_KEY_ED25519;
        if (out_dev_index)
            *out_dev_index = i;
        return GB_OK;
    }
    if (gb_sr_dev_lookup(spec, &i)) {
        gb_err e = gb_sr25519_dev_keypair(i, out_seed, NULL, NULL);
        if (e)
            return e; /* not reached: i < GB_SR25519_DEV_ACCOUNTS */
        *out_scheme = GB_KEY_SR25519;
        if (out_dev_index)
            *out_dev_index = i;
        return GB_OK;
    }
    if (out_dev_index)
        *out_dev_index = UINT32_MAX;
    gb_err e = gb_key_file_read_scheme(spec, out_scheme, out_seed, detail,
                                       detail_len);
    if (e == GB_IO && !strncasecmp(spec, "sr:", 3) && access(spec, F_OK) != 0)
        set_detail(detail, detail_len,
                   "%s is not one of Substrate's dev accounts (sr:alice, "
                   "sr:bob, sr:charlie, sr:dave, sr:eve, sr:ferdie) nor a "
                   "key file", spec);
    return e;
}

gb_err gb_key_resolve(const char *spec, uint8_t out_seed[GB_KEY_SEED_LEN],
                      uint32_t *out_dev_index, char *detail,
                      size_t detail_len)
{
    uint32_t i;
    if (gb_sr_dev_lookup(spec, &i)) {
        set_detail(detail, detail_len,
                   "%s is Substrate's sr25519 dev account: gearbox "
                   "transactions are signed with ed25519 keys (use %s)",
                   spec, gb_dev_name(i));
        return GB_UNSUPPORTED;
    }
    if (gb_dev_lookup(spec, &i)) {
        gb_dev_seed(i, out_seed);
        if (out_dev_index)
            *out_dev_index = i;
        return GB_OK;
    }
    if (out_dev_index)
        *out_dev_index = UINT32_MAX;
    return gb_key_file_read(spec, out_seed, detail, detail_len);
}

/* True if s is made of base58 characters and is as long as an SS58
 * account address can be (47 to 50 characters). */
static bool looks_like_ss58(const char *s)
{
    static const char b58[] =
        "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    size_t n = strlen(s);
    return n >= 45 && n <= GB_SS58_MAX_LEN && strspn(s, b58) == n;
}

gb_err gb_account_parse(const char *spec, uint8_t out_id[GB_KEY_PUBLIC_LEN],
                        char *detail, size_t detail_len)
{
    uint32_t i;
    if (!spec || !*spec) {
        set_detail(detail, detail_len, "no account given");
        return GB_INVAL;
    }
    if (gb_dev_lookup(spec, &i)) {
        gb_id id = gb_dev_account_id(i);
        memcpy(out_id, id.b, GB_KEY_PUBLIC_LEN);
        return GB_OK;
    }
    if (gb_sr_dev_lookup(spec, &i))
        return gb_sr25519_dev_keypair(i, NULL, out_id, NULL);
    if (spec[0] == '0' && (spec[1] == 'x' || spec[1] == 'X')) {
        uint8_t id[GB_KEY_PUBLIC_LEN];
        size_t got = 0;
        if (gb_hex_decode(spec, id, sizeof id, &got) == GB_OK &&
            got == sizeof id) {
            memcpy(out_id, id, sizeof id);
            return GB_OK;
        }
        /* else perhaps a file whose name starts with 0x */
    }
    if (looks_like_ss58(spec)) {
        uint8_t id[GB_KEY_PUBLIC_LEN];
        uint16_t prefix;
        gb_err e = gb_ss58_decode(spec, &prefix, id, detail, detail_len);
        if (e == GB_OK && prefix != GB_SS58_VARA &&
            prefix != GB_SS58_SUBSTRATE) {
            set_detail(detail, detail_len,
                       "%s is an SS58 address of network %u: give Vara's "
                       "(prefix 137, kG...) or Substrate's (prefix 42, 5...), "
                       "or the account id in hex",
                       spec, (unsigned)prefix);
            return GB_UNSUPPORTED;
        }
        if (e == GB_OK)
            memcpy(out_id, id, sizeof id);
        if (e != GB_MALFORMED)
            return e;
        /* not an address after all: try it as a file */
    }
    gb_key_scheme scheme;
    uint8_t seed[GB_KEY_SEED_LEN];
    gb_err e = gb_key_file_read_scheme(spec, &scheme, seed, detail,
                                       detail_len);
    if (!e)
        e = gb_key_public(scheme, seed, out_id);
    sodium_memzero(seed, sizeof seed);
    return e;
}

/*
 * SM2 signatures (GB/T 32918.2, SM3 over Z_A || M) for Node.js on the OpenSSL 3.0 that the node
 * binary itself exports: nothing is linked but node. Built by node-gyp (binding.gyp); loaded by
 * src/crypto/sm2-native.ts, which falls back to pure JavaScript when this addon is absent.
 *
 * Exports (all byte arguments are Uint8Array; `id` is the signer ID as bytes, UTF-8 by convention):
 *   sm2Verify(publicKey, message, signature, id) -> boolean
 *       Our verifier: Z_A and e = SM3(Z_A || M) computed here, then the SM2 verification equation
 *       on OpenSSL's EC arithmetic. False (never a throw) for a malformed key or signature.
 *   sm2Sign(privateKey, publicKey, message, id) -> Uint8Array (64 bytes r || s)
 *       e computed here, then OpenSSL's SM2 signer (EVP_PKEY_sign on an "SM2" key, nonce from
 *       OpenSSL's DRBG, constant-time scalar multiplication).
 *   sm2Digest(publicKey, message, id) -> Uint8Array (32 bytes e = SM3(Z_A || M))
 *   sm2VerifyOpenssl(publicKey, message, signature, id) -> boolean
 *       OpenSSL's own SM2 verifier (EVP_PKEY_verify on e), uncached: a cross-check for the tests.
 *
 * Speed. OpenSSL 3.0 has no dedicated SM2 curve code, so a plain s*G + t*P costs about 256 point
 * doublings. Here the generator's multiples are precomputed once per thread, and a public key seen
 * a second time gets its own table of multiples (an EC_GROUP whose generator is that key, with
 * EC_GROUP_precompute_mult), so that both halves become short fixed-base multiplications.
 * Parsed keys live in a bounded LRU cache per thread (per Node environment: no locks needed):
 * at most KEY_CACHE_MAX keys, of which at most KEY_TABLES_MAX hold a table.
 *
 * ENTL is the ID's bit length modulo 2^16, as in sm-crypto-v2 (the standard allows IDs up to
 * 8191 bytes, where this is exact), so both implementations agree on every input.
 */
#ifndef NAPI_VERSION
#define NAPI_VERSION 8
#endif
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <node_api.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PUBLIC_KEY_BYTES 65
#define SCALAR_BYTES 32
#define SIGNATURE_BYTES 64
#define DIGEST_BYTES 32
/* Most parsed public keys kept per thread (about 0.5 KB each). */
#define KEY_CACHE_MAX 1024
#define KEY_CACHE_BUCKETS 2048
/* Most keys with a table of multiples per thread: a table is 264 points, about 80 KB. */
#define KEY_TABLES_MAX 256
/* A key gets its table of multiples on this use (a table costs about two verifications). */
#define TABLE_AFTER_USES 2
/* Longest signer ID whose Z_A is kept in the cache entry. */
#define CACHED_ID_MAX 64

typedef struct key_entry key_entry;
struct key_entry {
  unsigned char public_key[PUBLIC_KEY_BYTES];
  uint64_t hash;
  EC_POINT *point;
  EC_GROUP *table; /* generator = point, with precomputed multiples; NULL until TABLE_AFTER_USES */
  uint32_t uses;
  int za_valid;
  size_t id_length;
  unsigned char id[CACHED_ID_MAX];
  unsigned char za[DIGEST_BYTES];
  key_entry *lru_previous; /* towards the most recently used */
  key_entry *lru_next;     /* towards the least recently used */
  key_entry *bucket_next;
};

typedef struct {
  EC_GROUP *group;       /* the SM2 curve, with the generator's multiples precomputed */
  EC_GROUP *plain_group; /* the SM2 curve without precomputation: the template of key tables */
  const BIGNUM *order;
  BIGNUM *zero;
  BN_CTX *bn;
  EVP_MD *sm3;
  EVP_MD_CTX *md;
  unsigned char curve_abg[128]; /* a || b || xG || yG, each 32 bytes big-endian */
  uint64_t hash_seed;
  key_entry *buckets[KEY_CACHE_BUCKETS];
  key_entry *lru_head;
  key_entry *lru_tail;
  size_t cached;
  size_t tables;
  /* The last signing key (keyPairSigner signs many messages with one key). */
  EVP_PKEY *signing_key;
  unsigned char signing_secret[SCALAR_BYTES + PUBLIC_KEY_BYTES];
} sm2_state;

/* ---- SM3, Z_A and e ---------------------------------------------------------------------- */

static int sm3_parts(sm2_state *st, unsigned char out[DIGEST_BYTES], const unsigned char *a, size_t a_length,
                     const unsigned char *b, size_t b_length, const unsigned char *c, size_t c_length) {
  unsigned int length = 0;
  if (EVP_DigestInit_ex(st->md, st->sm3, NULL) != 1) return 0;
  if (a_length > 0 && EVP_DigestUpdate(st->md, a, a_length) != 1) return 0;
  if (b_length > 0 && EVP_DigestUpdate(st->md, b, b_length) != 1) return 0;
  if (c_length > 0 && EVP_DigestUpdate(st->md, c, c_length) != 1) return 0;
  return EVP_DigestFinal_ex(st->md, out, &length) == 1 && length == DIGEST_BYTES;
}

/* Z_A = SM3(ENTL || ID || a || b || xG || yG || xA || yA). */
static int compute_za(sm2_state *st, unsigned char za[DIGEST_BYTES], const unsigned char *public_key,
                      const unsigned char *id, size_t id_length) {
  unsigned int length = 0;
  size_t bits = (id_length * 8) & 0xffff;
  unsigned char entl[2] = {(unsigned char)(bits >> 8), (unsigned char)(bits & 0xff)};
  if (EVP_DigestInit_ex(st->md, st->sm3, NULL) != 1) return 0;
  if (EVP_DigestUpdate(st->md, entl, 2) != 1) return 0;
  if (id_length > 0 && EVP_DigestUpdate(st->md, id, id_length) != 1) return 0;
  if (EVP_DigestUpdate(st->md, st->curve_abg, sizeof st->curve_abg) != 1) return 0;
  if (EVP_DigestUpdate(st->md, public_key + 1, PUBLIC_KEY_BYTES - 1) != 1) return 0;
  return EVP_DigestFinal_ex(st->md, za, &length) == 1 && length == DIGEST_BYTES;
}

/* ---- The public key cache ------------------------------------------------------------------ */

static uint64_t key_hash(const sm2_state *st, const unsigned char *public_key) {
  uint64_t hash = 1469598103934665603ULL ^ st->hash_seed;
  for (size_t index = 0; index < PUBLIC_KEY_BYTES; index++) {
    hash ^= public_key[index];
    hash *= 1099511628211ULL;
  }
  return hash ^ (hash >> 29);
}

static void entry_drop_table(sm2_state *st, key_entry *entry) {
  if (!entry->table) return;
  EC_GROUP_free(entry->table);
  entry->table = NULL;
  st->tables--;
}

static void entry_free(sm2_state *st, key_entry *entry) {
  entry_drop_table(st, entry);
  EC_POINT_free(entry->point);
  free(entry);
}

static void lru_unlink(sm2_state *st, key_entry *entry) {
  if (entry->lru_previous) entry->lru_previous->lru_next = entry->lru_next;
  else st->lru_head = entry->lru_next;
  if (entry->lru_next) entry->lru_next->lru_previous = entry->lru_previous;
  else st->lru_tail = entry->lru_previous;
  entry->lru_previous = NULL;
  entry->lru_next = NULL;
}

static void lru_push_front(sm2_state *st, key_entry *entry) {
  entry->lru_previous = NULL;
  entry->lru_next = st->lru_head;
  if (st->lru_head) st->lru_head->lru_previous = entry;
  st->lru_head = entry;
  if (!st->lru_tail) st->lru_tail = entry;
}

static void cache_evict_oldest(sm2_state *st) {
  key_entry *oldest = st->lru_tail;
  if (!oldest) return;
  lru_unlink(st, oldest);
  key_entry **link = &st->buckets[oldest->hash % KEY_CACHE_BUCKETS];
  while (*link && *link != oldest) link = &(*link)->bucket_next;
  if (*link) *link = oldest->bucket_next;
  st->cached--;
  entry_free(st, oldest);
}

/* The cached entry of a public key, parsed on first use; NULL when the bytes are not a point of
 * the curve (off the curve, or not an uncompressed point) or on an allocation failure. */
static key_entry *cache_get(sm2_state *st, const unsigned char *public_key) {
  uint64_t hash = key_hash(st, public_key);
  key_entry **bucket = &st->buckets[hash % KEY_CACHE_BUCKETS];
  for (key_entry *entry = *bucket; entry; entry = entry->bucket_next) {
    if (entry->hash == hash && memcmp(entry->public_key, public_key, PUBLIC_KEY_BYTES) == 0) {
      if (st->lru_head != entry) {
        lru_unlink(st, entry);
        lru_push_front(st, entry);
      }
      return entry;
    }
  }
  if (public_key[0] != 0x04) return NULL;
  EC_POINT *point = EC_POINT_new(st->group);
  if (!point) return NULL;
  /* oct2point refuses a point that is not on the curve. */
  if (EC_POINT_oct2point(st->group, point, public_key, PUBLIC_KEY_BYTES, st->bn) != 1 ||
      EC_POINT_is_at_infinity(st->group, point)) {
    EC_POINT_free(point);
    return NULL;
  }
  key_entry *entry = calloc(1, sizeof *entry);
  if (!entry) {
    EC_POINT_free(point);
    return NULL;
  }
  memcpy(entry->public_key, public_key, PUBLIC_KEY_BYTES);
  entry->hash = hash;
  entry->point = point;
  if (st->cached >= KEY_CACHE_MAX) cache_evict_oldest(st);
  bucket = &st->buckets[hash % KEY_CACHE_BUCKETS];
  entry->bucket_next = *bucket;
  *bucket = entry;
  lru_push_front(st, entry);
  st->cached++;
  return entry;
}

static const unsigned char *entry_za(sm2_state *st, key_entry *entry, const unsigned char *id, size_t id_length,
                                     unsigned char scratch[DIGEST_BYTES]) {
  if (entry->za_valid && entry->id_length == id_length && memcmp(entry->id, id, id_length) == 0) return entry->za;
  if (id_length > CACHED_ID_MAX) return compute_za(st, scratch, entry->public_key, id, id_length) ? scratch : NULL;
  entry->za_valid = 0;
  if (!compute_za(st, entry->za, entry->public_key, id, id_length)) return NULL;
  memcpy(entry->id, id, id_length);
  entry->id_length = id_length;
  entry->za_valid = 1;
  return entry->za;
}

/* Build the key's table of multiples while fewer than KEY_TABLES_MAX are held. A table is freed
 * only with its key's cache entry: taking tables from other keys would rebuild them over and
 * over when more keys than that are in use. On failure the key simply stays without one. */
static void entry_build_table(sm2_state *st, key_entry *entry) {
  if (st->tables >= KEY_TABLES_MAX) return;
  EC_GROUP *table = EC_GROUP_dup(st->plain_group);
  if (!table) return;
  if (EC_GROUP_set_generator(table, entry->point, st->order, BN_value_one()) != 1 ||
      EC_GROUP_precompute_mult(table, st->bn) != 1) {
    EC_GROUP_free(table);
    return;
  }
  entry->table = table;
  st->tables++;
}

/* ---- Verification ---------------------------------------------------------------------------- */

/* 1 valid, 0 not valid, -1 internal error (allocation). */
static int verify_equation(sm2_state *st, key_entry *entry, const unsigned char e[DIGEST_BYTES],
                           const unsigned char *signature) {
  int result = -1;
  EC_POINT *sum = EC_POINT_new(st->group);
  EC_POINT *part = EC_POINT_new(st->group);
  BN_CTX_start(st->bn);
  BIGNUM *r = BN_CTX_get(st->bn);
  BIGNUM *s = BN_CTX_get(st->bn);
  BIGNUM *t = BN_CTX_get(st->bn);
  BIGNUM *x = BN_CTX_get(st->bn);
  BIGNUM *expected = BN_CTX_get(st->bn);
  if (!sum || !part || !expected) goto done;
  if (!BN_bin2bn(signature, SCALAR_BYTES, r) || !BN_bin2bn(signature + SCALAR_BYTES, SCALAR_BYTES, s) ||
      !BN_bin2bn(e, DIGEST_BYTES, expected))
    goto done;
  result = 0;
  /* r, s in [1, n-1]; t = (r + s) mod n, not 0. */
  if (BN_is_zero(r) || BN_is_zero(s) || BN_cmp(r, st->order) >= 0 || BN_cmp(s, st->order) >= 0) goto done;
  result = -1;
  if (!BN_mod_add_quick(t, r, s, st->order)) goto done;
  result = 0;
  if (BN_is_zero(t)) goto done;
  result = -1;
  if (entry->uses >= TABLE_AFTER_USES && !entry->table) entry_build_table(st, entry);
  if (entry->table) {
    /* Two fixed-base multiplications. The extra point with scalar 0 keeps OpenSSL off its
     * single-scalar ladder, which would ignore the precomputed multiples. */
    const EC_POINT *g = EC_GROUP_get0_generator(st->group);
    const EC_POINT *points[1] = {g};
    const BIGNUM *scalars[1] = {st->zero};
    if (EC_POINTs_mul(st->group, sum, s, 1, points, scalars, st->bn) != 1) goto done;
    if (EC_POINTs_mul(entry->table, part, t, 1, points, scalars, st->bn) != 1) goto done;
    if (EC_POINT_add(st->group, sum, sum, part, st->bn) != 1) goto done;
  } else {
    const EC_POINT *points[1] = {entry->point};
    const BIGNUM *scalars[1] = {t};
    if (EC_POINTs_mul(st->group, sum, s, 1, points, scalars, st->bn) != 1) goto done;
  }
  result = 0;
  if (EC_POINT_is_at_infinity(st->group, sum)) goto done;
  result = -1;
  if (EC_POINT_get_affine_coordinates(st->group, sum, x, NULL, st->bn) != 1) goto done;
  /* R = (e + x1) mod n; e < 2^256 may exceed n, so use the general reduction. */
  if (!BN_mod_add(expected, expected, x, st->order, st->bn)) goto done;
  result = BN_cmp(expected, r) == 0 ? 1 : 0;
done:
  BN_CTX_end(st->bn);
  EC_POINT_free(sum);
  EC_POINT_free(part);
  return result;
}

/* ---- OpenSSL EVP keys (signing, and the reference verifier) ------------------------------- */

/* An "SM2" EVP key from raw bytes; NULL for an invalid key. A private key must be in [1, n - 2]
 * (SM2 signing inverts 1 + d), which `order` (n) checks when given. */
static EVP_PKEY *sm2_evp_key(const unsigned char *private_key, const unsigned char *public_key, const BIGNUM *order) {
  EVP_PKEY *key = NULL;
  BIGNUM *secret = NULL;
  OSSL_PARAM *params = NULL;
  OSSL_PARAM_BLD *builder = OSSL_PARAM_BLD_new();
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL);
  if (!builder || !ctx) goto done;
  if (!OSSL_PARAM_BLD_push_utf8_string(builder, OSSL_PKEY_PARAM_GROUP_NAME, "SM2", 0)) goto done;
  if (!OSSL_PARAM_BLD_push_octet_string(builder, OSSL_PKEY_PARAM_PUB_KEY, public_key, PUBLIC_KEY_BYTES)) goto done;
  if (private_key) {
    secret = BN_secure_new();
    if (!secret || !BN_bin2bn(private_key, SCALAR_BYTES, secret)) goto done;
    if (BN_is_zero(secret) || !BN_add_word(secret, 1) || BN_cmp(secret, order) >= 0 || !BN_sub_word(secret, 1))
      goto done;
    if (!OSSL_PARAM_BLD_push_BN(builder, OSSL_PKEY_PARAM_PRIV_KEY, secret)) goto done;
  }
  params = OSSL_PARAM_BLD_to_param(builder);
  if (!params || EVP_PKEY_fromdata_init(ctx) != 1) goto done;
  if (EVP_PKEY_fromdata(ctx, &key, private_key ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) != 1) key = NULL;
done:
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(builder);
  BN_clear_free(secret);
  EVP_PKEY_CTX_free(ctx);
  return key;
}

/* 1 signed, 0 refused (bad key), writes r || s. */
static int sign_digest(EVP_PKEY *key, const unsigned char e[DIGEST_BYTES], unsigned char out[SIGNATURE_BYTES]) {
  int ok = 0;
  unsigned char der[80];
  size_t der_length = sizeof der;
  const unsigned char *cursor = der;
  ECDSA_SIG *sig = NULL;
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
  if (!ctx || EVP_PKEY_sign_init(ctx) != 1) goto done;
  if (EVP_PKEY_sign(ctx, der, &der_length, e, DIGEST_BYTES) != 1) goto done;
  sig = d2i_ECDSA_SIG(NULL, &cursor, (long)der_length);
  if (!sig) goto done;
  const BIGNUM *r = ECDSA_SIG_get0_r(sig);
  const BIGNUM *s = ECDSA_SIG_get0_s(sig);
  if (BN_bn2binpad(r, out, SCALAR_BYTES) != SCALAR_BYTES) goto done;
  if (BN_bn2binpad(s, out + SCALAR_BYTES, SCALAR_BYTES) != SCALAR_BYTES) goto done;
  ok = 1;
done:
  ECDSA_SIG_free(sig);
  EVP_PKEY_CTX_free(ctx);
  return ok;
}

/* OpenSSL's SM2 verifier on e: 1 valid, 0 not. */
static int verify_digest_openssl(const unsigned char *public_key, const unsigned char e[DIGEST_BYTES],
                                 const unsigned char *signature) {
  int result = 0;
  unsigned char *der = NULL;
  BIGNUM *r = BN_bin2bn(signature, SCALAR_BYTES, NULL);
  BIGNUM *s = BN_bin2bn(signature + SCALAR_BYTES, SCALAR_BYTES, NULL);
  ECDSA_SIG *sig = ECDSA_SIG_new();
  EVP_PKEY *key = sm2_evp_key(NULL, public_key, NULL);
  EVP_PKEY_CTX *ctx = key ? EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL) : NULL;
  if (!r || !s || !sig || !ctx) goto done;
  if (ECDSA_SIG_set0(sig, r, s) != 1) goto done;
  r = NULL;
  s = NULL;
  int der_length = i2d_ECDSA_SIG(sig, &der);
  if (der_length <= 0 || EVP_PKEY_verify_init(ctx) != 1) goto done;
  result = EVP_PKEY_verify(ctx, der, (size_t)der_length, e, DIGEST_BYTES) == 1;
done:
  OPENSSL_free(der);
  BN_free(r);
  BN_free(s);
  ECDSA_SIG_free(sig);
  EVP_PKEY_CTX_free(ctx);
  EVP_PKEY_free(key);
  return result;
}

/* ---- State ------------------------------------------------------------------------------------ */

static void state_free(sm2_state *st) {
  if (!st) return;
  while (st->lru_tail) cache_evict_oldest(st);
  EVP_PKEY_free(st->signing_key);
  OPENSSL_cleanse(st->signing_secret, sizeof st->signing_secret);
  EVP_MD_CTX_free(st->md);
  EVP_MD_free(st->sm3);
  BN_free(st->zero);
  BN_CTX_free(st->bn);
  EC_GROUP_free(st->group);
  EC_GROUP_free(st->plain_group);
  free(st);
}

static sm2_state *state_new(void) {
  sm2_state *st = calloc(1, sizeof *st);
  if (!st) return NULL;
  st->bn = BN_CTX_new();
  st->zero = BN_new();
  st->group = EC_GROUP_new_by_curve_name(NID_sm2);
  st->plain_group = EC_GROUP_new_by_curve_name(NID_sm2);
  st->sm3 = EVP_MD_fetch(NULL, "SM3", NULL);
  st->md = EVP_MD_CTX_new();
  if (!st->bn || !st->zero || !st->group || !st->plain_group || !st->sm3 || !st->md) goto fail;
  BN_zero(st->zero);
  st->order = EC_GROUP_get0_order(st->group);
  if (EC_GROUP_precompute_mult(st->group, st->bn) != 1) goto fail;
  if (RAND_bytes((unsigned char *)&st->hash_seed, sizeof st->hash_seed) != 1) goto fail;
  {
    BN_CTX_start(st->bn);
    BIGNUM *p = BN_CTX_get(st->bn);
    BIGNUM *a = BN_CTX_get(st->bn);
    BIGNUM *b = BN_CTX_get(st->bn);
    BIGNUM *x = BN_CTX_get(st->bn);
    BIGNUM *y = BN_CTX_get(st->bn);
    int ok = y && EC_GROUP_get_curve(st->group, p, a, b, st->bn) == 1 &&
             EC_POINT_get_affine_coordinates(st->group, EC_GROUP_get0_generator(st->group), x, y, st->bn) == 1 &&
             BN_bn2binpad(a, st->curve_abg, 32) == 32 && BN_bn2binpad(b, st->curve_abg + 32, 32) == 32 &&
             BN_bn2binpad(x, st->curve_abg + 64, 32) == 32 && BN_bn2binpad(y, st->curve_abg + 96, 32) == 32;
    BN_CTX_end(st->bn);
    if (!ok) goto fail;
  }
  return st;
fail:
  state_free(st);
  return NULL;
}

/* ---- N-API glue --------------------------------------------------------------------------------- */

static void finalize_state(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  state_free((sm2_state *)data);
}

typedef struct {
  const unsigned char *data;
  size_t length;
} bytes_arg;

/* Reads an argument as a Uint8Array (a Buffer is one); throws a TypeError otherwise. */
static int get_bytes(napi_env env, napi_value value, const char *name, bytes_arg *out) {
  bool is_typed = false;
  napi_typedarray_type type;
  size_t length = 0;
  void *data = NULL;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, value, &type, &length, &data, NULL, NULL) != napi_ok || type != napi_uint8_array) {
    char message[96];
    snprintf(message, sizeof message, "%s must be a Uint8Array", name);
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
    return 0;
  }
  static const unsigned char empty[1] = {0};
  out->data = length > 0 && data ? (const unsigned char *)data : empty;
  out->length = length;
  return 1;
}

static sm2_state *get_state(napi_env env) {
  void *data = NULL;
  if (napi_get_instance_data(env, &data) != napi_ok || !data) {
    napi_throw_error(env, NULL, "SM2 addon state missing");
    return NULL;
  }
  return (sm2_state *)data;
}

static napi_value make_bool(napi_env env, int value) {
  napi_value result;
  napi_get_boolean(env, value ? true : false, &result);
  return result;
}

static napi_value make_bytes(napi_env env, const unsigned char *bytes, size_t length) {
  void *data = NULL;
  napi_value buffer, result;
  if (napi_create_arraybuffer(env, length, &data, &buffer) != napi_ok) return NULL;
  memcpy(data, bytes, length);
  if (napi_create_typedarray(env, napi_uint8_array, length, buffer, 0, &result) != napi_ok) return NULL;
  return result;
}

static int get_args(napi_env env, napi_callback_info info, size_t expected, napi_value *argv) {
  size_t argc = expected;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return 0;
  if (argc < expected) {
    napi_throw_type_error(env, "ERR_MISSING_ARGS", "too few arguments");
    return 0;
  }
  return 1;
}

/* The arguments of both verify entry points: (publicKey, message, signature, id). NULL after a
 * thrown JS exception. */
static sm2_state *get_verify_args(napi_env env, napi_callback_info info, bytes_arg *public_key, bytes_arg *message,
                                  bytes_arg *signature, bytes_arg *id) {
  napi_value argv[4];
  if (!get_args(env, info, 4, argv)) return NULL;
  if (!get_bytes(env, argv[0], "publicKey", public_key) || !get_bytes(env, argv[1], "message", message) ||
      !get_bytes(env, argv[2], "signature", signature) || !get_bytes(env, argv[3], "id", id))
    return NULL;
  return get_state(env);
}

static napi_value js_verify(napi_env env, napi_callback_info info) {
  bytes_arg public_key, message, signature, id;
  sm2_state *st = get_verify_args(env, info, &public_key, &message, &signature, &id);
  if (!st) return NULL;
  if (public_key.length != PUBLIC_KEY_BYTES || signature.length != SIGNATURE_BYTES) return make_bool(env, 0);
  ERR_set_mark();
  int result = 0;
  unsigned char e[DIGEST_BYTES], scratch[DIGEST_BYTES];
  key_entry *entry = cache_get(st, public_key.data);
  if (entry) {
    entry->uses++;
    const unsigned char *za = entry_za(st, entry, id.data, id.length, scratch);
    result = za && sm3_parts(st, e, za, DIGEST_BYTES, message.data, message.length, NULL, 0)
                 ? verify_equation(st, entry, e, signature.data)
                 : -1;
  }
  ERR_pop_to_mark();
  if (result < 0) {
    napi_throw_error(env, NULL, "SM2 verification failed inside OpenSSL (out of memory?)");
    return NULL;
  }
  return make_bool(env, result);
}

static napi_value js_verify_openssl(napi_env env, napi_callback_info info) {
  bytes_arg public_key, message, signature, id;
  sm2_state *st = get_verify_args(env, info, &public_key, &message, &signature, &id);
  if (!st) return NULL;
  if (public_key.length != PUBLIC_KEY_BYTES || signature.length != SIGNATURE_BYTES) return make_bool(env, 0);
  ERR_set_mark();
  unsigned char za[DIGEST_BYTES], e[DIGEST_BYTES];
  int result = compute_za(st, za, public_key.data, id.data, id.length) &&
               sm3_parts(st, e, za, DIGEST_BYTES, message.data, message.length, NULL, 0) &&
               verify_digest_openssl(public_key.data, e, signature.data);
  ERR_pop_to_mark();
  return make_bool(env, result);
}

static napi_value js_digest(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  bytes_arg public_key, message, id;
  if (!get_args(env, info, 3, argv)) return NULL;
  if (!get_bytes(env, argv[0], "publicKey", &public_key) || !get_bytes(env, argv[1], "message", &message) ||
      !get_bytes(env, argv[2], "id", &id))
    return NULL;
  sm2_state *st = get_state(env);
  if (!st) return NULL;
  if (public_key.length != PUBLIC_KEY_BYTES) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "publicKey must be 65 bytes");
    return NULL;
  }
  ERR_set_mark();
  unsigned char za[DIGEST_BYTES], e[DIGEST_BYTES];
  int ok = compute_za(st, za, public_key.data, id.data, id.length) &&
           sm3_parts(st, e, za, DIGEST_BYTES, message.data, message.length, NULL, 0);
  ERR_pop_to_mark();
  if (!ok) {
    napi_throw_error(env, NULL, "SM3 failed inside OpenSSL");
    return NULL;
  }
  return make_bytes(env, e, DIGEST_BYTES);
}

static napi_value js_sign(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  bytes_arg private_key, public_key, message, id;
  if (!get_args(env, info, 4, argv)) return NULL;
  if (!get_bytes(env, argv[0], "privateKey", &private_key) || !get_bytes(env, argv[1], "publicKey", &public_key) ||
      !get_bytes(env, argv[2], "message", &message) || !get_bytes(env, argv[3], "id", &id))
    return NULL;
  sm2_state *st = get_state(env);
  if (!st) return NULL;
  if (private_key.length != SCALAR_BYTES || public_key.length != PUBLIC_KEY_BYTES) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "SM2 keys are a 32-byte private key and a 65-byte public key");
    return NULL;
  }
  ERR_set_mark();
  unsigned char secret[SCALAR_BYTES + PUBLIC_KEY_BYTES];
  memcpy(secret, private_key.data, SCALAR_BYTES);
  memcpy(secret + SCALAR_BYTES, public_key.data, PUBLIC_KEY_BYTES);
  if (!st->signing_key || CRYPTO_memcmp(secret, st->signing_secret, sizeof secret) != 0) {
    EVP_PKEY_free(st->signing_key);
    OPENSSL_cleanse(st->signing_secret, sizeof st->signing_secret);
    st->signing_key = sm2_evp_key(private_key.data, public_key.data, st->order);
    if (st->signing_key) memcpy(st->signing_secret, secret, sizeof secret);
  }
  OPENSSL_cleanse(secret, sizeof secret);
  unsigned char za[DIGEST_BYTES], e[DIGEST_BYTES], signature[SIGNATURE_BYTES];
  int ok = st->signing_key && compute_za(st, za, public_key.data, id.data, id.length) &&
           sm3_parts(st, e, za, DIGEST_BYTES, message.data, message.length, NULL, 0) &&
           sign_digest(st->signing_key, e, signature);
  ERR_pop_to_mark();
  if (!ok) {
    napi_throw_error(env, "ERR_SM2_SIGN", "SM2 signing failed: the private or public key is not a valid SM2 key");
    return NULL;
  }
  return make_bytes(env, signature, SIGNATURE_BYTES);
}

NAPI_MODULE_INIT() {
  sm2_state *st = state_new();
  if (!st) {
    napi_throw_error(env, NULL, "the SM2 addon could not set up the SM2 curve in OpenSSL");
    return NULL;
  }
  if (napi_set_instance_data(env, st, finalize_state, NULL) != napi_ok) {
    state_free(st);
    napi_throw_error(env, NULL, "the SM2 addon could not store its state");
    return NULL;
  }
  napi_property_descriptor properties[] = {
      {"sm2Verify", NULL, js_verify, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sm2Sign", NULL, js_sign, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sm2Digest", NULL, js_digest, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sm2VerifyOpenssl", NULL, js_verify_openssl, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties) != napi_ok) return NULL;
  return exports;
}

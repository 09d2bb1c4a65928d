/*
 * AES key wrap with padding (RFC 5649 §4.1) on the CPU's AES instructions, as a Node-API addon:
 * AES-NI on x86-64, the ARMv8 Cryptography Extensions on arm64. node:crypto's id-aesN-wrap-pad
 * runs OpenSSL's table-based software AES (its wrap ciphers do not use the AES instructions),
 * ~190 µs for an RSA_4096 private key on x86-64; this takes ~35 µs.
 *
 *   wrap(kek: Uint8Array(16 | 24 | 32), plaintext: Uint8Array(1 .. 2^32 - 1)) -> Buffer
 *   supported: whether this CPU has the instructions (if not, wrap is never run: it throws)
 *
 * Only this file's functions marked AESHW use the AES instructions, and only after the CPU said
 * it has them (CPUID; the kernel's HWCAP_AES): the module itself loads on any CPU of its
 * architecture. Both are little-endian, which the byte handling below relies on.
 * Secrets: the key schedule is wiped before returning; the plaintext is copied only into the
 * output buffer, where the wrap overwrites it in place (RFC 3394 §2.2.1 index-based form).
 * Timing: the AES instructions run in constant time; the loop's shape depends only on the length.
 */
#include <node_api.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>

#define AESHW __attribute__((target("aes,sse4.1")))
typedef __m128i block;

/* Whether the CPU has AES-NI and SSE4.1 (CPUID). */
static int detect(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("aes") && __builtin_cpu_supports("sse4.1");
}

/* FIPS 197 §5.2 SubWord on the bytes of w, by AESKEYGENASSIST (its first lane is SubWord(X1)). */
AESHW static uint32_t sub_word(uint32_t w) {
  return (uint32_t)_mm_cvtsi128_si32(_mm_aeskeygenassist_si128(_mm_set_epi32(0, 0, (int)w, 0), 0));
}

AESHW static block load_key(const uint32_t *w) { return _mm_loadu_si128((const __m128i *)w); }

/* FIPS 197 §5.1 Cipher: AddRoundKey, then Nr - 1 full rounds, then the last without MixColumns. */
AESHW static block encrypt(block b, const block *rk, int rounds) {
  b = _mm_xor_si128(b, rk[0]);
  for (int r = 1; r < rounds; r++) b = _mm_aesenc_si128(b, rk[r]);
  return _mm_aesenclast_si128(b, rk[rounds]);
}

/* The 16-byte block a || r (a's 8 bytes first), and its two halves. */
AESHW static block pair(uint64_t a, uint64_t r) { return _mm_set_epi64x((long long)r, (long long)a); }
AESHW static uint64_t first_half(block b) { return (uint64_t)_mm_cvtsi128_si64(b); }
AESHW static uint64_t second_half(block b) { return (uint64_t)_mm_extract_epi64(b, 1); }
AESHW static void store(uint8_t *out, block b) { _mm_storeu_si128((__m128i *)out, b); }

#elif defined(__aarch64__)
#include <arm_neon.h>
#include <sys/auxv.h>
#ifndef HWCAP_AES
#define HWCAP_AES (1 << 3)
#endif

#define AESHW __attribute__((target("+crypto")))
typedef uint8x16_t block;

/* Whether the CPU has the AES instructions, as the kernel reports them. */
static int detect(void) { return (getauxval(AT_HWCAP) & HWCAP_AES) != 0; }

/* FIPS 197 §5.2 SubWord on the bytes of w: AESE with a zero key on four copies of w is
 * SubBytes then ShiftRows, and ShiftRows leaves four equal columns as they were. */
AESHW static uint32_t sub_word(uint32_t w) {
  return vgetq_lane_u32(vreinterpretq_u32_u8(vaeseq_u8(vreinterpretq_u8_u32(vdupq_n_u32(w)), vdupq_n_u8(0))), 0);
}

AESHW static block load_key(const uint32_t *w) { return vld1q_u8((const uint8_t *)w); }

/* FIPS 197 §5.1 Cipher. AESE is AddRoundKey, SubBytes, ShiftRows; AESMC is MixColumns: Nr - 1
 * full rounds, the last without MixColumns, then the last round key added. */
AESHW static block encrypt(block b, const block *rk, int rounds) {
  for (int r = 0; r < rounds - 1; r++) b = vaesmcq_u8(vaeseq_u8(b, rk[r]));
  return veorq_u8(vaeseq_u8(b, rk[rounds - 1]), rk[rounds]);
}

AESHW static block pair(uint64_t a, uint64_t r) { return vreinterpretq_u8_u64(vcombine_u64(vcreate_u64(a), vcreate_u64(r))); }
AESHW static uint64_t first_half(block b) { return vgetq_lane_u64(vreinterpretq_u64_u8(b), 0); }
AESHW static uint64_t second_half(block b) { return vgetq_lane_u64(vreinterpretq_u64_u8(b), 1); }
AESHW static void store(uint8_t *out, block b) { vst1q_u8(out, b); }

#else
#error "aes_kwp.c is built for x86-64 and arm64 only"
#endif

typedef struct {
  block rk[15];
  int rounds;
} schedule;

/* Zeroes memory in a way the compiler may not drop as a dead store. */
static void wipe(void *p, size_t n) {
  volatile uint8_t *v = (volatile uint8_t *)p;
  while (n--) *v++ = 0;
}

/*
 * FIPS 197 §5.2 KeyExpansion for Nk = 4, 6, 8. Words are held as read from memory on this
 * little-endian machine (the key's first byte in the low bits), so RotWord is a right rotation
 * by 8 and Rcon's byte is the low one; each round key is then 16 bytes as the instructions take them.
 */
AESHW static void expand(const uint8_t *key, size_t nk, schedule *s) {
  uint32_t w[60];
  size_t total = 4 * (nk + 7);
  uint32_t rcon = 1;
  memcpy(w, key, 4 * nk);
  for (size_t i = nk; i < total; i++) {
    uint32_t t = w[i - 1];
    if (i % nk == 0) {
      t = sub_word((t >> 8) | (t << 24)) ^ rcon;
      rcon = ((rcon << 1) ^ ((rcon & 0x80) ? 0x1b : 0)) & 0xff;
    } else if (nk > 6 && i % nk == 4) {
      t = sub_word(t);
    }
    w[i] = w[i - nk] ^ t;
  }
  s->rounds = (int)nk + 6;
  for (int r = 0; r <= s->rounds; r++) s->rk[r] = load_key(w + 4 * r);
  wipe(w, sizeof w);
}

/*
 * RFC 5649 §4.1 into out (8 + 8n bytes), where out + 8 already holds the plaintext padded with
 * zeros to n 64-bit blocks. A and each R[i] are 8-byte strings; t is XORed into A big-endian.
 */
AESHW static void kwp(const uint8_t *kek, size_t kek_len, uint8_t *out, size_t length) {
  schedule s;
  size_t n = (length + 7) / 8;
  uint8_t aiv[8] = {0xa6, 0x59, 0x59, 0xa6, (uint8_t)(length >> 24), (uint8_t)(length >> 16), (uint8_t)(length >> 8), (uint8_t)length};
  uint64_t a, r;
  expand(kek, kek_len / 4, &s);
  memcpy(&a, aiv, 8);
  if (n == 1) {
    /* §4.1 step 2: one block, C[0] | C[1] = ENC(K, AIV | P[1]). */
    memcpy(&r, out + 8, 8);
    store(out, encrypt(pair(a, r), s.rk, s.rounds));
  } else {
    /* RFC 3394 §2.2.1, index-based: for j = 0..5, i = 1..n: B = AES(K, A | R[i]),
     * A = MSB(64, B) ^ t where t = n*j + i, R[i] = LSB(64, B). */
    uint64_t t = 1;
    for (int j = 0; j < 6; j++) {
      for (size_t i = 0; i < n; i++, t++) {
        uint8_t *ri = out + 8 + 8 * i;
        block b;
        memcpy(&r, ri, 8);
        b = encrypt(pair(a, r), s.rk, s.rounds);
        a = first_half(b) ^ __builtin_bswap64(t);
        r = second_half(b);
        memcpy(ri, &r, 8);
      }
    }
    memcpy(out, &a, 8);
  }
  wipe(&s, sizeof s);
  wipe(&a, sizeof a);
  wipe(&r, sizeof r);
}

/* Whether the CPU has the instructions: asked once, when the library is loaded, before any
 * thread of the process can call into it. */
static int aes_hw;
__attribute__((constructor)) static void detect_once(void) { aes_hw = detect(); }

/* A Uint8Array argument's bytes, or a TypeError thrown (NULL returned). */
static uint8_t *bytes_of(napi_env env, napi_value v, size_t *length, const char *what) {
  bool is_typed;
  napi_typedarray_type type;
  void *data;
  if (napi_is_typedarray(env, v, &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, v, &type, length, &data, NULL, NULL) != napi_ok || type != napi_uint8_array) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", what);
    return NULL;
  }
  /* An empty view may have no backing store: point at something harmless. */
  return data ? (uint8_t *)data : (uint8_t *)"";
}

static napi_value wrap(napi_env env, napi_callback_info info) {
  size_t argc = 2, kek_len, length, size;
  napi_value argv[2], result;
  uint8_t *kek, *plaintext, *out;
  if (!aes_hw) {
    napi_throw_error(env, "ERR_KMS_WRAP_NO_AES_INSTRUCTIONS", "this CPU has no AES instructions: use node:crypto's id-aes256-wrap-pad");
    return NULL;
  }
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 2) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "wrap(kek, plaintext) takes two Uint8Arrays");
    return NULL;
  }
  /* napi_get_typedarray_info gives a typed array that V8 kept on its heap a backing store of its
   * own, which the garbage collector never moves: the pointers hold across the allocation below. */
  if (!(kek = bytes_of(env, argv[0], &kek_len, "the key-encryption key must be a Uint8Array"))) return NULL;
  if (!(plaintext = bytes_of(env, argv[1], &length, "the plaintext must be a Uint8Array"))) return NULL;
  if (kek_len != 16 && kek_len != 24 && kek_len != 32) {
    napi_throw_range_error(env, "ERR_INVALID_ARG_VALUE", "AES-KWP needs a 16, 24 or 32-byte key");
    return NULL;
  }
  /* RFC 5649 §3: the length indicator is 32 bits and the plaintext at least one octet. */
  if (length == 0 || (uint64_t)length > 0xffffffffu) {
    napi_throw_range_error(env, "ERR_INVALID_ARG_VALUE", "AES-KWP wraps 1 to 2^32 - 1 octets");
    return NULL;
  }
  size = 8 + 8 * ((length + 7) / 8);
  if (napi_create_buffer(env, size, (void **)&out, &result) != napi_ok) {
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (!pending) napi_throw_error(env, "ERR_MEMORY_ALLOCATION_FAILED", "AES-KWP: the output buffer could not be allocated");
    return NULL;
  }
  memset(out, 0, size);
  memcpy(out + 8, plaintext, length);
  kwp(kek, kek_len, out, length);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn, supported;
  if (napi_create_function(env, "wrap", NAPI_AUTO_LENGTH, wrap, NULL, &fn) != napi_ok ||
      napi_set_named_property(env, exports, "wrap", fn) != napi_ok ||
      napi_get_boolean(env, aes_hw, &supported) != napi_ok ||
      napi_set_named_property(env, exports, "supported", supported) != napi_ok) {
    return NULL;
  }
  return exports;
}

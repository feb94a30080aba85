/* nexus C ABI, identities, packets and announces (C99) over nexus/identity and nexus/wire/packet.hpp,
 * announce.hpp. Included at the end of nexus.h; the rules there hold here too.
 *
 * No opaque handles: an identity is its 64-byte private key (X25519 private || Ed25519 seed, the
 * Reticulum export layout), held by the caller; a peer is its 64-byte public key (X25519 public ||
 * Ed25519 public). Functions that derive an address take an `int profile`: NEXUS_PROFILE_NEXUS
 * (BLAKE2b-256) or NEXUS_PROFILE_RETICULUM (SHA-256, byte-exact with Reticulum); any other value is
 * NEXUS_ERR_INVALID_ARGUMENT. The ABI has no random source: where randomness is needed the caller
 * passes fresh random bytes. Secret temporaries are wiped before returning; private keys written
 * to caller buffers are the caller's to wipe. */
#ifndef NEXUS_IDENTITY_H
#define NEXUS_IDENTITY_H

#include "nexus.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Fixed sizes, in bytes. */
#define NEXUS_IDENTITY_PRIVATE_KEY_BYTES 64 /* X25519 private || Ed25519 seed */
#define NEXUS_IDENTITY_PUBLIC_KEY_BYTES 64  /* X25519 public || Ed25519 public */
#define NEXUS_IDENTITY_SIGNATURE_BYTES 64
#define NEXUS_IDENTITY_HASH_BYTES 16 /* identity hash, destination hash, transport id */
#define NEXUS_NAME_HASH_BYTES 10
#define NEXUS_FULL_HASH_BYTES 32 /* packet hash */
#define NEXUS_RANDOM_HASH_BYTES 10
#define NEXUS_RATCHET_BYTES 32
#define NEXUS_SEALED_KEY_BYTES 126
#define NEXUS_SEAL_RANDOM_BYTES 28 /* salt (16) || nonce (12) */
#define NEXUS_PACKET_MTU 500
#define NEXUS_PACKET_HEADER_1_BYTES 19
#define NEXUS_PACKET_HEADER_2_BYTES 35
#define NEXUS_ANNOUNCE_MIN_BYTES 167 /* HEADER_1, no ratchet, no app data */

/* The values of an `int profile` argument. The enum's last enumerator widens its range to int (as
 * nexus_byte_order's), but the functions take a plain int so that any value, even a negative one,
 * is a reportable error rather than undefined behaviour. */
typedef enum nexus_profile {
    NEXUS_PROFILE_NEXUS = 0,     /* BLAKE2b-256 */
    NEXUS_PROFILE_RETICULUM = 1, /* SHA-256 */
    NEXUS_PROFILE_RANGE_ = 0x7fffffff
} nexus_profile;

/* Field values of the packet flags byte (bits 1-0, 3-2, 6 and 4). */
typedef enum nexus_packet_type {
    NEXUS_PACKET_DATA = 0,
    NEXUS_PACKET_ANNOUNCE = 1,
    NEXUS_PACKET_LINK_REQUEST = 2,
    NEXUS_PACKET_PROOF = 3,
    NEXUS_PACKET_TYPE_RANGE_ = 0x7fffffff
} nexus_packet_type;
typedef enum nexus_destination_type {
    NEXUS_DESTINATION_SINGLE = 0,
    NEXUS_DESTINATION_GROUP = 1,
    NEXUS_DESTINATION_PLAIN = 2,
    NEXUS_DESTINATION_LINK = 3,
    NEXUS_DESTINATION_TYPE_RANGE_ = 0x7fffffff
} nexus_destination_type;
typedef enum nexus_header_type {
    NEXUS_HEADER_1 = 0, /* destination only */
    NEXUS_HEADER_2 = 1, /* transport id, then destination */
    NEXUS_HEADER_TYPE_RANGE_ = 0x7fffffff
} nexus_header_type;
typedef enum nexus_transport_type {
    NEXUS_TRANSPORT_BROADCAST = 0,
    NEXUS_TRANSPORT_TRANSPORT = 1,
    NEXUS_TRANSPORT_TYPE_RANGE_ = 0x7fffffff
} nexus_transport_type;

/* ---- identities --------------------------------------------------------------------------- */

/* A NEXUS identity from a 32-byte Ed25519 seed: private64 = X25519 secret derived from the seed
 * (RFC 7748 §4.1 via the clamped SHA-512 expansion) || seed. Profile-independent. */
nexus_status nexus_identity_from_seed(const uint8_t* seed32, uint8_t* private64);

/* The public key of a private key (both halves computed independently, so a Reticulum private
 * key with unrelated halves loads as it is). */
nexus_status nexus_identity_public_key(const uint8_t* private64, uint8_t* public64);

/* identity hash = profile digest of the public key, first 16 bytes. NEXUS_ERR_BAD_ENCODING when
 * the Ed25519 half is not a usable public key (nothing written). */
nexus_status nexus_identity_hash(int profile, const uint8_t* public64, uint8_t* hash16);

/* name hash = profile digest of the full name ("app.aspect1.aspect2", any bytes, not validated),
 * first 10 bytes. full_name need not be NUL-terminated. */
nexus_status nexus_name_hash(int profile, const char* full_name, size_t full_name_len, uint8_t* name_hash10);

/* destination hash = profile digest of name hash || identity hash, first 16 bytes; the plain one
 * (a destination without identity) of the name hash alone. */
nexus_status nexus_destination_hash(int profile, const uint8_t* name_hash10, const uint8_t* identity_hash16,
                                    uint8_t* destination16);
nexus_status nexus_plain_destination_hash(int profile, const uint8_t* name_hash10, uint8_t* destination16);

/* Ed25519 signature (64 bytes) of message by the identity; verify: NEXUS_OK when signature64 is
 * valid for message under the identity's public64, NEXUS_ERR_AUTH_FAILED otherwise (including a
 * public key whose Ed25519 half is unusable). */
nexus_status nexus_identity_sign(const uint8_t* private64, const uint8_t* message, size_t message_len,
                                 uint8_t* signature64);
nexus_status nexus_identity_verify(const uint8_t* public64, const uint8_t* message, size_t message_len,
                                   const uint8_t* signature64);

/* ---- identities at rest: sealed keys (Argon2id + ChaCha20-Poly1305, 126 bytes) ---------------- */

/* Seals private64 under passphrase for `profile` into sealed126 (NEXUS_SEALED_KEY_BYTES), with
 * Argon2id (passes, memory_kib, lanes); 3 passes, 65536 KiB, 1 lane is the library's default.
 * random28: 28 fresh random bytes (salt 16 || nonce 12). work: 8-byte aligned Argon2 work
 * memory of work_len >= nexus_argon2id_work_size(memory_kib, lanes) bytes, wiped before return.
 * Errors: NEXUS_ERR_INVALID_ARGUMENT for parameters out of bounds (passes 1..16, lanes 1..16,
 * memory <= 1 GiB and >= 8 KiB per lane) or unaligned work, NEXUS_ERR_BUFFER_TOO_SMALL for
 * too little work memory. */
nexus_status nexus_identity_seal(int profile, const uint8_t* private64, const uint8_t* passphrase,
                                 size_t passphrase_len, uint32_t passes, uint32_t memory_kib, uint32_t lanes,
                                 const uint8_t* random28, void* work, size_t work_len, uint8_t* sealed126);

/* The Argon2id parameters a sealed key records, to size the work memory before opening
 * (nexus_argon2id_work_size(*memory_kib, *lanes)). NEXUS_ERR_INVALID_LENGTH unless sealed_len is
 * 126, NEXUS_ERR_BAD_ENCODING for a wrong magic, NEXUS_ERR_UNSUPPORTED for another version,
 * NEXUS_ERR_INVALID_ARGUMENT for parameters outside the bounds. */
nexus_status nexus_sealed_key_params(const uint8_t* sealed, size_t sealed_len, uint32_t* passes,
                                     uint32_t* memory_kib, uint32_t* lanes);

/* Opens a sealed key into private64. Errors as nexus_sealed_key_params, plus
 * NEXUS_ERR_INVALID_ARGUMENT when it was sealed for the other profile or work is unaligned,
 * NEXUS_ERR_BUFFER_TOO_SMALL for too little work memory, and NEXUS_ERR_AUTH_FAILED for a wrong
 * passphrase or any modified byte (private64 untouched). */
nexus_status nexus_identity_open(int profile, const uint8_t* sealed, size_t sealed_len,
                                 const uint8_t* passphrase, size_t passphrase_len, void* work,
                                 size_t work_len, uint8_t* private64);

/* ---- packets (Reticulum framing) --------------------------------------------------------------- */

/* A packet, field by field. The int fields hold the enum values above (flags are 0 or 1). After
 * nexus_packet_decode, data points into the decoded bytes (valid as long as they are) and ifac is
 * 0. transport_id is meaningful only for NEXUS_HEADER_2 (zeros otherwise). */
typedef struct nexus_packet {
    int ifac;             /* bit 7; packets with it set are NEXUS_ERR_UNSUPPORTED */
    int header_type;      /* nexus_header_type, bit 6 */
    int context_flag;     /* bit 5 (for an announce: a ratchet is present) */
    int transport_type;   /* nexus_transport_type, bit 4 */
    int destination_type; /* nexus_destination_type, bits 3-2 */
    int packet_type;      /* nexus_packet_type, bits 1-0 */
    uint8_t hops;
    uint8_t context;
    uint8_t transport_id[NEXUS_IDENTITY_HASH_BYTES];
    uint8_t destination[NEXUS_IDENTITY_HASH_BYTES];
    const uint8_t* data;
    size_t data_len;
} nexus_packet;

/* Decodes raw into *packet. NEXUS_ERR_INVALID_LENGTH above the MTU (500 bytes),
 * NEXUS_ERR_TRUNCATED below the header size, NEXUS_ERR_UNSUPPORTED for an IFAC packet. */
nexus_status nexus_packet_decode(const uint8_t* raw, size_t raw_len, nexus_packet* packet);

/* Encodes *packet into out; *out_len (optional) receives the size. NEXUS_ERR_INVALID_ARGUMENT for
 * a field outside its values, NEXUS_ERR_UNSUPPORTED for ifac != 0, NEXUS_ERR_INVALID_LENGTH above
 * the MTU, NEXUS_ERR_BUFFER_TOO_SMALL when out_cap is too small. data may be NULL when data_len is
 * 0. */
nexus_status nexus_packet_encode(const nexus_packet* packet, uint8_t* out, size_t out_cap, size_t* out_len);

/* The packet hash (32 bytes): profile digest of (flags & 0x0F) || the packet from the destination
 * hash on, so it does not change as hops or transport change. Errors as nexus_packet_decode. */
nexus_status nexus_packet_hash(int profile, const uint8_t* raw, size_t raw_len, uint8_t* hash32);

/* ---- announces ----------------------------------------------------------------------------------- */

/* random_hash10 = random5 (5 random bytes) || seconds as 5 big-endian bytes (mod 2^40). */
nexus_status nexus_random_hash(const uint8_t* random5, uint64_t seconds, uint8_t* random_hash10);
/* The timestamp (seconds) in the last 5 bytes of a random hash. */
nexus_status nexus_random_hash_timestamp(const uint8_t* random_hash10, uint64_t* seconds);

/* Builds a HEADER_1 announce (hops 0) of the identity's destination with name_hash10, signed with
 * private64: random_hash10 (see nexus_random_hash), ratchet32 optional (NULL: none; else 32 bytes
 * and the context flag set), app data (may be NULL when app_data_len is 0), context byte (0, or
 * 0x0B for an answer to a path request). *out_len (optional) receives the size.
 * NEXUS_ERR_INVALID_LENGTH when the packet would exceed the MTU, NEXUS_ERR_BUFFER_TOO_SMALL when
 * out_cap cannot hold it. */
nexus_status nexus_announce_build(int profile, const uint8_t* private64, const uint8_t* name_hash10,
                                  const uint8_t* random_hash10, const uint8_t* ratchet32,
                                  const uint8_t* app_data, size_t app_data_len, uint8_t context, uint8_t* out,
                                  size_t out_cap, size_t* out_len);

/* The fields of a validated announce. app_data points into the validated bytes. */
typedef struct nexus_announce {
    uint64_t timestamp; /* of the random hash, seconds */
    int has_ratchet;    /* 1 when the context flag is set and ratchet holds 32 bytes, else 0 */
    uint8_t hops;
    uint8_t context;
    uint8_t public_key[NEXUS_IDENTITY_PUBLIC_KEY_BYTES];
    uint8_t name_hash[NEXUS_NAME_HASH_BYTES];
    uint8_t random_hash[NEXUS_RANDOM_HASH_BYTES];
    uint8_t destination[NEXUS_IDENTITY_HASH_BYTES];
    uint8_t ratchet[NEXUS_RATCHET_BYTES]; /* zeros without a ratchet */
    uint8_t signature[NEXUS_IDENTITY_SIGNATURE_BYTES];
    const uint8_t* app_data;
    size_t app_data_len;
} nexus_announce;

/* Decodes and authenticates an announce: NEXUS_OK when the public key is usable, the signature
 * verifies and the destination hash equals the profile's hash of name hash and identity hash;
 * then *announce (optional, may be NULL) receives the fields. Errors: those of
 * nexus_packet_decode, NEXUS_ERR_INVALID_ARGUMENT when it is not an announce to a single
 * destination, NEXUS_ERR_TRUNCATED when the data is too short, NEXUS_ERR_BAD_ENCODING for an
 * unusable key, NEXUS_ERR_AUTH_FAILED for a bad signature or a destination mismatch. */
nexus_status nexus_announce_validate(int profile, const uint8_t* raw, size_t raw_len,
                                     nexus_announce* announce);

#ifdef __cplusplus
}
#endif

#endif /* NEXUS_IDENTITY_H */

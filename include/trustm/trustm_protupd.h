/*
 * trustm_protupd.h - protected update (SetObjectProtected, commands.md §5.5,
 * protected-update.md): apply a manifest and its fragments produced by trustm-protupd (or the
 * vendor tool), the one-time setup the target needs (trust anchor certificate, target access
 * conditions, protected-update secret), and the ID2 key-provisioning use cases of the seed
 * (protected-update.md §7.4).
 *
 * The chip verifies everything (signature with the trust anchor, fragment digest chain,
 * decryption, payload version, access conditions); a refusal is TRUSTM_DEVICE_ERR(code), e.g.
 * 0x07 access conditions, 0x0B out of sequence, 0x0F invalid manifest, 0x10 payload version not
 * newer, 0x2C signature, 0x2D fragment integrity.
 *
 * setup / update / finish are single commands (the manifest, then the fragments); the chip drops
 * an open sequence when any other command comes in between, so the caller must not interleave other operations.  Every
 * blocking call also exists as trustm_op_start_* (non-blocking driver, trustm_device.h);
 * buffers are borrowed until the operation completes.
 */
#ifndef TRUSTM_PROTUPD_H
#define TRUSTM_PROTUPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trustm_device.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TRUSTM_PROTUPD_FRAGMENT_MAX  640u  /* every fragment but the last is exactly this   */
#define TRUSTM_PROTUPD_MANIFEST_MAX  1550u /* InData limit minus the TLV header            */
#define TRUSTM_PROTUPD_MANIFEST_V1   0x01u /* manifest format version (Param)             */
#define TRUSTM_PROTUPD_MAX_FRAGMENTS 16u   /* trustm_protected_update() limit              */

#define TRUSTM_OID_ID2_DEVICE_ID    0xF1D0u /* 12-byte ID2 device identifier                */
#define TRUSTM_OID_ID2_AES_KEY      0xE200u
#define TRUSTM_OID_ID2_RSA_KEY      0xE0FCu
#define TRUSTM_OID_ID2_TRUST_ANCHOR 0xE0E3u
#define TRUSTM_ID2_DEVICE_ID_SIZE   12u

/* Single phases (Param = TRUSTM_PROTUPD_MANIFEST_V1): setup sends the manifest, update one
 * intermediate fragment, finish the last one.  API BAD_PARAM: empty data, a manifest over 1550
 * bytes, an update fragment that is not exactly 640 bytes, a finish one over 640. */
TRUSTM_MUST_CHECK trustm_status_t trustm_protupd_setup(trustm_device_t *dev, const uint8_t *manifest, size_t len);
TRUSTM_MUST_CHECK trustm_status_t trustm_protupd_update(trustm_device_t *dev, const uint8_t *fragment, size_t len);
TRUSTM_MUST_CHECK trustm_status_t trustm_protupd_finish(trustm_device_t *dev, const uint8_t *fragment, size_t len);
TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_protupd_setup(trustm_device_t *dev, const uint8_t *manifest,
                                                                size_t len);
TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_protupd_update(trustm_device_t *dev, const uint8_t *fragment,
                                                                 size_t len);
TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_protupd_finish(trustm_device_t *dev, const uint8_t *fragment,
                                                                 size_t len);

/* The whole data set: setup with the manifest, update with fragments[0..n-2], finish with
 * fragments[n-1] (1 <= n <= TRUSTM_PROTUPD_MAX_FRAGMENTS).  Stops at the first refusal. */
TRUSTM_MUST_CHECK trustm_status_t trustm_protected_update(trustm_device_t *dev, const uint8_t *manifest,
                                                          size_t manifest_len, const uint8_t *const fragments[],
                                                          const size_t lens[], size_t n);
TRUSTM_MUST_CHECK trustm_status_t trustm_op_start_protected_update(trustm_device_t *dev, const uint8_t *manifest,
                                                                   size_t manifest_len,
                                                                   const uint8_t *const fragments[],
                                                                   const size_t lens[], size_t n);

/* Pure: cut a fragment stream F1 || F2 || ... || Fn (as the tool prints it) at 640-byte
 * boundaries: fills up to max entries of fragments/lens (pointers into stream), *count = the
 * number of fragments. API BAD_PARAM for an empty stream, BUFFER_TOO_SMALL when more than max
 * fragments would be needed. */
TRUSTM_MUST_CHECK trustm_status_t trustm_protupd_split(const uint8_t *stream, size_t len, const uint8_t *fragments[],
                                                       size_t lens[], size_t max, size_t *count);

/* ---- one-time provisioning (protected-update.md §7.3; needs the objects' LcsO < op) ---- */

/* Trust anchor: metadata Execute = ALW, type TA (20 06 D3 01 00 E8 01 11), then the DER
 * certificate with erase-and-write. */
TRUSTM_MUST_CHECK trustm_status_t trustm_protupd_provision_trust_anchor(trustm_device_t *dev, uint16_t ta_oid,
                                                                        const uint8_t *cert, size_t cert_len);
/* Protected-update secret: metadata Execute = ALW, type UPDATSEC (20 06 D3 01 00 E8 01 23),
 * then the secret (1..64 bytes) with erase-and-write. */
TRUSTM_MUST_CHECK trustm_status_t trustm_protupd_provision_secret(trustm_device_t *dev, uint16_t secret_oid,
                                                                  const uint8_t *secret, size_t len);
/* Target: change access condition Int(ta_oid) [&& Conf(secret_oid) when secret_oid != 0]
 * (tag D0; tag D8 = metadata update descriptor when metadata_update is true, which also needs
 * reset_type != 0 for the F0 tag), payload version := version (C1), and for key objects
 * Execute = ALW (D3 01 00) so that the new key can be used. */
typedef struct trustm_protupd_target {
    uint16_t oid;
    uint16_t ta_oid;
    uint16_t secret_oid;  /* 0: integrity only */
    uint16_t version;     /* written to C1 (0 lets any version >= 1 in)               */
    bool metadata_update; /* protect the metadata (D8) instead of the content (D0)    */
    uint8_t reset_type;   /* F0 value for metadata updates (objects.md §3.4)          */
    bool key_object;      /* add Execute = ALW                                        */
} trustm_protupd_target_t;
#define TRUSTM_PROTUPD_TARGET_MD_MAX 21u /* longest container trustm_protupd_target_encode() makes */
/* Pure: the metadata container for t (20 LL ...). API BAD_PARAM on a bad t, BUFFER_TOO_SMALL
 * when md_size is below what t needs (at most TRUSTM_PROTUPD_TARGET_MD_MAX). */
TRUSTM_MUST_CHECK trustm_status_t trustm_protupd_target_encode(const trustm_protupd_target_t *t, uint8_t *md,
                                                               size_t md_size, size_t *md_len);
TRUSTM_MUST_CHECK trustm_status_t trustm_protupd_provision_target(trustm_device_t *dev,
                                                                  const trustm_protupd_target_t *t);

/* ---- ID2 key provisioning (seed §5.2, protected-update.md §7.4) ---- */

/* Apply the data set that updates the ID2 key (AES-128 into E200 or RSA-1024 into E0FC, as the
 * manifest says), then, only when the chip accepted it, write the 12-byte ID2 device identifier
 * into F1D0 (erase-and-write).  Not atomic: the chip has no transaction over several commands;
 * if the F1D0 write fails after the key was updated, run it again (the data set's version is
 * then used up, F1D0 alone is rewritten by a plain write). */
TRUSTM_MUST_CHECK trustm_status_t trustm_id2_key_update(trustm_device_t *dev,
                                                        const uint8_t device_id[TRUSTM_ID2_DEVICE_ID_SIZE],
                                                        const uint8_t *manifest, size_t manifest_len,
                                                        const uint8_t *const fragments[], const size_t lens[],
                                                        size_t n);

/* The seed's complete flows (protected-update.md §7.4), in the order that leaves nothing
 * half-done when the chip refuses the key: when cert is not NULL the one-time setup as the seed's example does it on every run — trust anchor E0E3
 * (Execute = ALW, type TA, the certificate) and the target's metadata (change = Int(E0E3),
 * version 0, and for E0FC Execute = ALW), which needs LcsO < op; then the data set, made for
 * E200 (AES-128) resp. E0FC (RSA-1024). Because the setup resets the version, the same data set
 * can be replayed while the objects are below operational (as in the seed). The device ID goes
 * into F1D0 last, after the data set was accepted (not atomic either, as above). */
TRUSTM_MUST_CHECK trustm_status_t trustm_id2_aes_key_update(
    trustm_device_t *dev, const uint8_t device_id[TRUSTM_ID2_DEVICE_ID_SIZE], const uint8_t *cert, size_t cert_len,
    const uint8_t *manifest, size_t manifest_len, const uint8_t *const fragments[], const size_t lens[], size_t n);
TRUSTM_MUST_CHECK trustm_status_t trustm_id2_rsa_key_update(
    trustm_device_t *dev, const uint8_t device_id[TRUSTM_ID2_DEVICE_ID_SIZE], const uint8_t *cert, size_t cert_len,
    const uint8_t *manifest, size_t manifest_len, const uint8_t *const fragments[], const size_t lens[], size_t n);

#ifdef __cplusplus
}
#endif
#endif /* TRUSTM_PROTUPD_H */

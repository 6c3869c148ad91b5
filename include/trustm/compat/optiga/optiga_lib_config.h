/*
 * optiga/optiga_lib_config.h - build configuration of the vendor host library API as the
 * trustm compatibility layer provides it (host-api.md §10). Feature switches name the
 * operations that are implemented; the Shielded Connection is not (docs/COMPAT.md).
 */
#ifndef OPTIGA_LIB_CONFIG_H
#define OPTIGA_LIB_CONFIG_H

#define OPTIGA_CRYPT_RANDOM_ENABLED
#define OPTIGA_CRYPT_HASH_ENABLED
#define OPTIGA_CRYPT_TLS_PRF_ENABLED
#define OPTIGA_CRYPT_RSA_GENERATE_KEYPAIR_ENABLED
#define OPTIGA_CRYPT_RSA_SIGN_ENABLED
#define OPTIGA_CRYPT_RSA_VERIFY_ENABLED
#define OPTIGA_CRYPT_RSA_ENCRYPT_ENABLED
#define OPTIGA_CRYPT_RSA_DECRYPT_ENABLED
#define OPTIGA_CRYPT_RSA_PRE_MASTER_SECRET_ENABLED
#define OPTIGA_CRYPT_SYM_ENCRYPT_ENABLED
#define OPTIGA_CRYPT_SYM_DECRYPT_ENABLED
#define OPTIGA_CRYPT_HMAC_ENABLED
#define OPTIGA_CRYPT_HKDF_ENABLED
#define OPTIGA_CRYPT_SYM_GENERATE_KEY_ENABLED
#define OPTIGA_CRYPT_GENERATE_AUTH_CODE_ENABLED
#define OPTIGA_CRYPT_HMAC_VERIFY_ENABLED
#define OPTIGA_CRYPT_CLEAR_AUTO_STATE_ENABLED

#define OPTIGA_LIB_DEBUG_NULL_CHECK

/* Instances (util + crypt together) that may exist at a time: the size of the static pool. */
#define OPTIGA_CMD_MAX_REGISTRATIONS 6u
/* APDU buffer size of the vendor library (trustm uses its own, sized the same). */
#define OPTIGA_MAX_COMMS_BUFFER_SIZE 0x615u

/* Shielded Connection: defined when libtrustm is built with it (CMake TRUSTM_SHIELD, which
 * defines TRUSTM_CFG_SHIELD for its users); the device needs trustm_compat_shield(). */
#ifdef TRUSTM_CFG_SHIELD
#define OPTIGA_COMMS_SHIELDED_CONNECTION
#endif
#define OPTIGA_COMMS_DEFAULT_PROTECTION_LEVEL OPTIGA_COMMS_NO_PROTECTION
/* The reset at open is the one configured on the trustm device (trustm_config_t.reset). */
#define OPTIGA_COMMS_DEFAULT_RESET_TYPE 0u

#endif /* OPTIGA_LIB_CONFIG_H */

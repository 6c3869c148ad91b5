#include "trustm/trustm_status.h"

#include <stddef.h>

const char *trustm_status_layer_str(trustm_status_t s)
{
    static const char *const names[] = {"", "pal", "phy", "dl", "tl", "pl", "cmd", "api", "device", "sim", "tool"};
    uint32_t layer = TRUSTM_STATUS_LAYER(s);
    return layer < sizeof names / sizeof names[0] ? names[layer] : "?";
}

const char *trustm_device_error_str(uint8_t code)
{
    switch (code) {
    case 0x00:
        return "no error";
    case 0x01:
        return "invalid OID";
    case 0x02:
        return "invalid password";
    case 0x03:
        return "invalid Param field";
    case 0x04:
        return "invalid length field";
    case 0x05:
        return "invalid parameter in data field";
    case 0x06:
        return "internal process error";
    case 0x07:
        return "access conditions not satisfied";
    case 0x08:
        return "data object boundary exceeded";
    case 0x09:
        return "metadata truncation error";
    case 0x0A:
        return "invalid command field";
    case 0x0B:
        return "command out of sequence";
    case 0x0C:
        return "command not available";
    case 0x0D:
        return "insufficient buffer/memory";
    case 0x0E:
        return "counter threshold limit exceeded";
    case 0x0F:
        return "invalid manifest";
    case 0x10:
        return "invalid/wrong payload version";
    case 0x11:
        return "invalid metadata of the key/data object";
    case 0x24:
        return "unsupported extension/identifier";
    case 0x25:
        return "unsupported parameters";
    case 0x29:
        return "invalid certificate format";
    case 0x2A:
        return "unsupported certificate";
    case 0x2C:
        return "signature verification failure";
    case 0x2D:
        return "integrity validation failure";
    case 0x2E:
        return "decryption failure";
    case 0x2F:
        return "authorization failure";
    default:
        return NULL;
    }
}

const char *trustm_status_base_str(trustm_status_t s)
{
    if (s == TRUSTM_OK)
        return "success";
    if (s == TRUSTM_IN_PROGRESS)
        return "in progress";
    if (TRUSTM_STATUS_LAYER(s) == TRUSTM_LAYER_DEVICE) {
        const char *d = trustm_device_error_str((uint8_t)TRUSTM_STATUS_BASE(s));
        return d != NULL ? d : "unknown chip error code";
    }
    switch (TRUSTM_STATUS_BASE(s)) {
    case TRUSTM_BASE_BAD_PARAM:
        return "bad parameter";
    case TRUSTM_BASE_BAD_SEQUENCE:
        return "call out of sequence";
    case TRUSTM_BASE_BUFFER_TOO_SMALL:
        return "buffer too small";
    case TRUSTM_BASE_TIMEOUT:
        return "timeout";
    case TRUSTM_BASE_NACK:
        return "address not acknowledged";
    case TRUSTM_BASE_IO:
        return "I/O error";
    case TRUSTM_BASE_CRC:
        return "frame check sequence mismatch";
    case TRUSTM_BASE_PROTOCOL:
        return "protocol violation";
    case TRUSTM_BASE_DESYNC:
        return "link lost (re-synchronisation failed)";
    case TRUSTM_BASE_AUTH_FAILED:
        return "authentication failed";
    case TRUSTM_BASE_NOT_SUPPORTED:
        return "not supported";
    case TRUSTM_BASE_INTERNAL:
        return "internal error";
    case TRUSTM_BASE_BAD_RESPONSE:
        return "malformed response";
    case TRUSTM_BASE_FAILED:
        return "context failed (reset required)";
    case TRUSTM_BASE_NOT_FOUND:
        return "not found";
    default:
        return "unknown error";
    }
}

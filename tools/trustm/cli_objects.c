/*
 * cli_objects.c - object / command names and value decoders (see cli_objects.h).
 */
#include "cli_objects.h"

#include <stdio.h>

#include "trustm/trustm_status.h"

typedef struct oid_name {
    uint16_t oid;
    const char *name;
} oid_name_t;

static const oid_name_t oid_names[] = {
    {0xE0C0, "Global Life Cycle Status"},
    {0xE0C1, "Global Security Status"},
    {0xE0C2, "Coprocessor UID"},
    {0xE0C3, "Sleep Mode Activation Delay"},
    {0xE0C4, "Current Limitation"},
    {0xE0C5, "Security Event Counter"},
    {0xE0C6, "Maximum Com Buffer Size"},
    {0xE0C9, "Security Monitor Configurations"},
    {0xE0E0, "Public Key Certificate 1"},
    {0xE0E1, "Public Key Certificate 2"},
    {0xE0E2, "Public Key Certificate 3"},
    {0xE0E3, "Public Key Certificate 4"},
    {0xE0E8, "Root CA Public Key Certificate 1"},
    {0xE0E9, "Root CA Public Key Certificate 2"},
    {0xE0EF, "Root CA Public Key Certificate 8"},
    {0xE0F0, "Device Private ECC Key 1"},
    {0xE0F1, "Device Private ECC Key 2"},
    {0xE0F2, "Device Private ECC Key 3"},
    {0xE0F3, "Device Private ECC Key 4"},
    {0xE0FC, "Device Private RSA Key 1"},
    {0xE0FD, "Device Private RSA Key 2"},
    {0xE100, "Session Context 1"},
    {0xE101, "Session Context 2"},
    {0xE102, "Session Context 3"},
    {0xE103, "Session Context 4"},
    {0xE120, "Monotonic Counter 1"},
    {0xE121, "Monotonic Counter 2"},
    {0xE122, "Monotonic Counter 3"},
    {0xE123, "Monotonic Counter 4"},
    {0xE140, "Shared Platform Binding Secret"},
    {0xE200, "Device Symmetric Key 1"},
    {0xF1C0, "Application Life Cycle Status"},
    {0xF1C1, "Application Security Status"},
    {0xF1C2, "Last Error Code"},
    {0xF1E0, "Arbitrary Data (type 2) 1"},
    {0xF1E1, "Arbitrary Data (type 2) 2"},
};

const char *cli_oid_name(uint16_t oid)
{
    for (size_t i = 0; i < sizeof(oid_names) / sizeof(oid_names[0]); i++) {
        if (oid_names[i].oid == oid) {
            return oid_names[i].name;
        }
    }
    if (oid >= 0xF1D0u && oid <= 0xF1DBu) {
        return "Arbitrary Data (type 3)";
    }
    return NULL;
}

const char *cli_cmd_name(uint8_t cmd)
{
    switch (cmd & 0x7Fu) {
    case 0x01:
        return "GetDataObject";
    case 0x02:
        return "SetDataObject";
    case 0x03:
        return "SetObjectProtected";
    case 0x0C:
        return "GetRandom";
    case 0x14:
        return "EncryptSym";
    case 0x15:
        return "DecryptSym";
    case 0x1E:
        return "EncryptAsym";
    case 0x1F:
        return "DecryptAsym";
    case 0x30:
        return "CalcHash";
    case 0x31:
        return "CalcSign";
    case 0x32:
        return "VerifySign";
    case 0x33:
        return "CalcSSec";
    case 0x34:
        return "DeriveKey";
    case 0x38:
        return "GenKeyPair";
    case 0x39:
        return "GenSymKey";
    case 0x70:
        return "OpenApplication";
    case 0x71:
        return "CloseApplication";
    default:
        return NULL;
    }
}

const char *cli_lcs_abbrev(uint8_t v)
{
    switch (v) {
    case 0x01:
        return "cr";
    case 0x03:
        return "in";
    case 0x07:
        return "op";
    case 0x0F:
        return "te";
    default:
        return NULL;
    }
}

const char *cli_lcs_name(uint8_t v)
{
    switch (v) {
    case 0x01:
        return "creation";
    case 0x03:
        return "initialization";
    case 0x07:
        return "operational";
    case 0x0F:
        return "termination";
    default:
        return "not a defined life cycle state";
    }
}

bool cli_object_describe(uint16_t oid, const uint8_t *data, size_t len, char *out, size_t out_size)
{
    switch (oid) {
    case 0xE0C0:
    case 0xF1C0:
        if (len != 1u) {
            return false;
        }
        if (cli_lcs_abbrev(data[0]) != NULL) {
            snprintf(out, out_size, "%02X = %s (%s)", data[0], cli_lcs_abbrev(data[0]), cli_lcs_name(data[0]));
        } else {
            snprintf(out, out_size, "%02X = %s", data[0], cli_lcs_name(data[0]));
        }
        return true;
    case 0xE0C1:
    case 0xF1C1:
        if (len != 1u) {
            return false;
        }
        snprintf(out, out_size, "%02X (boot flag %s)", data[0], (data[0] & 0x20u) != 0u ? "set" : "clear");
        return true;
    case 0xE0C3:
        if (len != 1u) {
            return false;
        }
        snprintf(out, out_size, "%u ms", data[0]);
        return true;
    case 0xE0C4:
        if (len != 1u) {
            return false;
        }
        snprintf(out, out_size, "%u mA", data[0]);
        return true;
    case 0xE0C5:
        if (len != 1u) {
            return false;
        }
        snprintf(out, out_size, "%u", data[0]);
        return true;
    case 0xE0C6:
        if (len != 2u) {
            return false;
        }
        snprintf(out, out_size, "%u bytes", (unsigned)((data[0] << 8) | data[1]));
        return true;
    case 0xF1C2:
        if (len != 1u) {
            return false;
        }
        if (data[0] == 0u) {
            snprintf(out, out_size, "00 (no error)");
        } else {
            const char *e = trustm_device_error_str(data[0]);
            snprintf(out, out_size, "%02X (%s)", data[0], e != NULL ? e : "unknown error code");
        }
        return true;
    case 0xE0C2:
        if (len != 27u) {
            return false;
        }
        snprintf(out, out_size, "CIM %02X, platform %02X, model %02X, ROM mask %02X%02X, build %02X%02X", data[0],
                 data[1], data[2], data[3], data[4], data[25], data[26]);
        return true;
    default:
        return false;
    }
}

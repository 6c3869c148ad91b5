#define _POSIX_C_SOURCE 200809L
#include "sim_replay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trustm_crc16.h"

#define REPLAY_ADDR  0x30u
#define NACK_RETRIES 200
#define POLL_LIMIT   2000

static trustm_sim_bus_t write_retry(trustm_sim_t *sim, const uint8_t *b, size_t n)
{
    trustm_sim_bus_t r = TRUSTM_SIM_NACK;
    for (int i = 0; i < NACK_RETRIES && (r = trustm_sim_i2c_write(sim, REPLAY_ADDR, b, n)) == TRUSTM_SIM_NACK; i++)
        trustm_sim_sleep_us(sim, 1000);
    trustm_sim_sleep_us(sim, 50);
    return r;
}

static trustm_sim_bus_t read_retry(trustm_sim_t *sim, uint8_t *b, size_t n)
{
    trustm_sim_bus_t r = TRUSTM_SIM_NACK;
    for (int i = 0; i < NACK_RETRIES && (r = trustm_sim_i2c_read(sim, REPLAY_ADDR, b, n)) == TRUSTM_SIM_NACK; i++)
        trustm_sim_sleep_us(sim, 1000);
    trustm_sim_sleep_us(sim, 50);
    return r;
}

static void action(trustm_sim_t *sim, const char *text)
{
    if (strstr(text, "[gpio]") != NULL) {
        bool vdd_low = strstr(text, "VDD low") != NULL, vdd_high = strstr(text, "VDD high") != NULL;
        bool rst_low = strstr(text, "RST low") != NULL, rst_high = strstr(text, "RST high") != NULL;
        if (rst_low)
            trustm_sim_rst(sim, false);
        if (vdd_low)
            trustm_sim_power(sim, false);
        if (vdd_high)
            trustm_sim_power(sim, true);
        if (rst_high)
            trustm_sim_rst(sim, true);
    } else if (strstr(text, "[wait]") != NULL) {
        const char *p = strstr(text, " us");
        if (p != NULL) {
            while (p > text && (p[-1] >= '0' && p[-1] <= '9'))
                p--;
            trustm_sim_sleep_us(sim, (uint32_t)strtoul(p, NULL, 10));
        }
    }
    /* [host] (master bit rate) and [reset] (the following W 88 does it) need no action */
}

static void expected_bytes(const tv_step_t *s, const uint8_t *uid, uint8_t *exp)
{
    memcpy(exp, s->bytes, s->len);
    size_t start = 0;
    bool have = false;
    for (size_t i = 0; i < s->len; i++) {
        if (s->wild[i] == 'X' || s->wild[i] == 'Y') {
            if (!have) {
                start = i - 1; /* the byte before the first UID wildcard is the CIM id (CD) */
                have = true;
            }
            exp[i] = uid[i - start];
        }
    }
    if (s->len >= 5 && s->wild[s->len - 1] == 'Z') {
        uint16_t crc = trustm_crc16(exp, s->len - 2);
        exp[s->len - 2] = (uint8_t)(crc >> 8);
        exp[s->len - 1] = (uint8_t)crc;
    }
}

int sim_replay(trustm_sim_t *sim, const tv_file_t *tv, const uint8_t uid[TRUSTM_SIM_UID_SIZE], char *msg, size_t msglen)
{
    size_t poll_start = 0;
    int polls = 0;
    static uint8_t got[TV_MAX_BYTES], exp[TV_MAX_BYTES];
    for (size_t i = 0; i < tv->count; i++) {
        const tv_step_t *s = &tv->steps[i];
        switch (s->kind) {
        case 'A':
            action(sim, s->step);
            break;
        case 'W':
            if (s->poll && (i == 0 || !tv->steps[i - 1].poll || tv->steps[i - 1].kind != 'W'))
                poll_start = i;
            if (write_retry(sim, s->bytes, s->len) != TRUSTM_SIM_ACK) {
                snprintf(msg, msglen, "line %d: write not acknowledged", s->line);
                return -1;
            }
            break;
        case 'R':
            if (read_retry(sim, got, s->len) != TRUSTM_SIM_ACK) {
                snprintf(msg, msglen, "line %d: read not acknowledged", s->line);
                return -1;
            }
            expected_bytes(s, uid, exp);
            if (memcmp(got, exp, s->len) != 0) {
                if (s->poll && polls < POLL_LIMIT) {
                    polls++;
                    trustm_sim_sleep_us(sim, 500);
                    i = poll_start - 1; /* repeat the W/R pair */
                    break;
                }
                char g[3 * 64 + 1];
                size_t gl = 0;
                for (size_t k = 0; k < s->len && k < 64; k++)
                    gl += (size_t)snprintf(g + gl, sizeof g - gl, "%02X ", got[k]);
                snprintf(msg, msglen, "line %d (%s): read %s expected %s", s->line, s->step, g,
                         tv_hex_str(exp, s->len));
                return -1;
            }
            polls = 0;
            break;
        default: /* 'F' catalogue entries are not bus traffic */
            break;
        }
    }
    return 0;
}

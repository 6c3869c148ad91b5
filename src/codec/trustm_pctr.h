/*
 * trustm_pctr.h - packet control byte (ifx-i2c.md §3, §4.1) and Shielded Connection SCTR
 * byte (§5.2). Pure bit-field helpers.
 *
 *   PCTR: bits 7:4 CHAN (network) | bit 3 PRESENCE (presentation) | bits 2:0 CHAIN (transport)
 */
#ifndef TRUSTM_PCTR_H
#define TRUSTM_PCTR_H

#include <stdbool.h>
#include <stdint.h>

#define TRUSTM_TL_PCTR_CHAN_MASK  0xF0u
#define TRUSTM_TL_PCTR_PRESENCE   0x08u
#define TRUSTM_TL_PCTR_CHAIN_MASK 0x07u

#define TRUSTM_TL_CHAIN_SINGLE       0x00u
#define TRUSTM_TL_CHAIN_FIRST        0x01u
#define TRUSTM_TL_CHAIN_INTERMEDIATE 0x02u
#define TRUSTM_TL_CHAIN_LAST         0x04u
#define TRUSTM_TL_CHAIN_ERROR        0x07u

static inline uint8_t trustm_pctr_chan(uint8_t pctr)
{
    return (uint8_t)(pctr >> 4);
}
static inline bool trustm_pctr_presence(uint8_t pctr)
{
    return (pctr & TRUSTM_TL_PCTR_PRESENCE) != 0;
}
static inline uint8_t trustm_pctr_chain(uint8_t pctr)
{
    return (uint8_t)(pctr & TRUSTM_TL_PCTR_CHAIN_MASK);
}
static inline uint8_t trustm_pctr_make(uint8_t chan, bool presence, uint8_t chain)
{
    return (uint8_t)(((chan & 0x0Fu) << 4) | (presence ? TRUSTM_TL_PCTR_PRESENCE : 0u) | (chain & 7u));
}
/* True for CHAIN values the spec defines (000, 001, 010, 100, 111). */
static inline bool trustm_pctr_chain_is_valid(uint8_t chain)
{
    return chain == TRUSTM_TL_CHAIN_SINGLE || chain == TRUSTM_TL_CHAIN_FIRST || chain == TRUSTM_TL_CHAIN_INTERMEDIATE ||
           chain == TRUSTM_TL_CHAIN_LAST || chain == TRUSTM_TL_CHAIN_ERROR;
}

/* SCTR (§5.2): bits 7:5 PROTOCOL | 4:2 MESSAGE | 1:0 PROTECTION */
#define TRUSTM_PL_SCTR_HELLO           0x00u
#define TRUSTM_PL_SCTR_KEY_AGREEMENT   0x04u
#define TRUSTM_PL_SCTR_FINISHED        0x08u
#define TRUSTM_PL_SCTR_RECORD          0x20u /* | protection bits */
#define TRUSTM_PL_SCTR_PROT_MASTER     0x01u
#define TRUSTM_PL_SCTR_PROT_SLAVE      0x02u
#define TRUSTM_PL_SCTR_ALERT_FATAL     0x40u
#define TRUSTM_PL_SCTR_ALERT_INTEGRITY 0x44u
#define TRUSTM_PL_SCTR_SAVE            0x60u
#define TRUSTM_PL_SCTR_SAVED           0x64u
#define TRUSTM_PL_SCTR_RESTORE         0x68u
#define TRUSTM_PL_SCTR_RESTORED        0x6Cu

static inline uint8_t trustm_sctr_protocol(uint8_t sctr)
{
    return (uint8_t)(sctr >> 5);
}
static inline uint8_t trustm_sctr_message(uint8_t sctr)
{
    return (uint8_t)((sctr >> 2) & 7u);
}
static inline uint8_t trustm_sctr_protection(uint8_t sctr)
{
    return (uint8_t)(sctr & 3u);
}

#endif /* TRUSTM_PCTR_H */

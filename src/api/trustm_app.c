/* Sessions, hibernate and the SEC wait. */
#include <string.h>

#include "trustm/trustm_app.h"
#include "trustm/trustm_data.h"
#include "trustm_api_int.h"

trustm_status_t trustm_session_acquire(trustm_device_t *dev, uint16_t *oid)
{
    api_shared_t *sh = api_shared(dev);
    if (sh == NULL || oid == NULL)
        return API_BAD_PARAM;
    for (unsigned i = 0; i < TRUSTM_SESSION_COUNT; i++) {
        if ((sh->sessions & (1u << i)) == 0) {
            sh->sessions = (uint8_t)(sh->sessions | (1u << i));
            *oid = (uint16_t)(TRUSTM_OID_SESSION_FIRST + i);
            return TRUSTM_OK;
        }
    }
    return API_ERR(TRUSTM_BASE_NOT_FOUND);
}

trustm_status_t trustm_session_release(trustm_device_t *dev, uint16_t oid)
{
    api_shared_t *sh = api_shared(dev);
    unsigned i = (unsigned)oid - TRUSTM_OID_SESSION_FIRST;
    if (sh == NULL || oid < TRUSTM_OID_SESSION_FIRST || i >= TRUSTM_SESSION_COUNT || (sh->sessions & (1u << i)) == 0)
        return API_BAD_PARAM;
    sh->sessions = (uint8_t)(sh->sessions & ~(1u << i));
    return TRUSTM_OK;
}

/* ---------------------------------------------------------------- hibernate */

typedef struct hib_state {
    uint8_t *handle;
} hib_state_t;
API_STATE_FITS(hib_state_t);

static trustm_status_t hib_build(api_op_t *op, trustm_wbuf_t *w)
{
    return trustm_cmd_close_application_put(w, TRUSTM_CMD_CLOSE_PARAM_HIBERNATE, op->cmd_flags);
}

static trustm_status_t hib_parse(api_op_t *op, const uint8_t *rsp, size_t rsp_len)
{
    hib_state_t *st = API_STATE(op, hib_state_t);
    uint8_t h[TRUSTM_CMD_CONTEXT_HANDLE_SIZE];
    trustm_status_t s = trustm_cmd_close_hibernate_decode(rsp, rsp_len, h);
    if (s != TRUSTM_OK)
        return s;
    memcpy(st->handle, h, sizeof h);
    trustm_wipe(h, sizeof h);
    op->shared->sym_open = 0;
    return TRUSTM_OK;
}

static const api_op_ops_t hib_ops = {hib_build, hib_parse, NULL, 0, NULL};

trustm_status_t trustm_op_start_device_hibernate(trustm_device_t *dev, uint8_t handle[TRUSTM_CONTEXT_HANDLE_SIZE])
{
    hib_state_t st = {handle};
    if (handle == NULL)
        return API_BAD_PARAM;
    return api_op_start_ex(dev, &hib_ops, &st, sizeof st, API_OP_PLAIN | API_OP_PL_SAVE);
}

trustm_status_t trustm_device_hibernate(trustm_device_t *dev, uint8_t handle[TRUSTM_CONTEXT_HANDLE_SIZE])
{
    return api_run(dev, trustm_op_start_device_hibernate(dev, handle));
}

/* ---------------------------------------------------------------- SEC wait */

#define SEC_POLL_DEFAULT_US 100000u

typedef struct sec_state {
    uint32_t polls_left;
    uint32_t poll_us;
    uint8_t *sec;
} sec_state_t;
API_STATE_FITS(sec_state_t);

static trustm_status_t sec_build(api_op_t *op, trustm_wbuf_t *w)
{
    return trustm_cmd_get_data_put(w, TRUSTM_OID_SEC, 0, 1, op->cmd_flags);
}

static trustm_status_t sec_parse(api_op_t *op, const uint8_t *rsp, size_t rsp_len)
{
    sec_state_t *st = API_STATE(op, sec_state_t);
    const uint8_t *p;
    trustm_status_t s = trustm_cmd_raw_decode(rsp, rsp_len, 1, &p);
    if (s != TRUSTM_OK)
        return s;
    if (st->sec != NULL)
        *st->sec = p[0];
    if (p[0] == 0)
        return TRUSTM_OK;
    if (st->polls_left == 0)
        return API_ERR(TRUSTM_BASE_TIMEOUT);
    st->polls_left--;
    op->wait_us = st->poll_us;
    return TRUSTM_IN_PROGRESS;
}

static const api_op_ops_t sec_ops = {sec_build, sec_parse, NULL, 0, NULL};

trustm_status_t trustm_op_start_sec_wait_zero(trustm_device_t *dev, uint32_t budget_us, uint32_t poll_us, uint8_t *sec)
{
    sec_state_t st;
    st.poll_us = poll_us != 0 ? poll_us : SEC_POLL_DEFAULT_US;
    st.polls_left = budget_us / st.poll_us;
    st.sec = sec;
    return api_op_start(dev, &sec_ops, &st, sizeof st);
}

trustm_status_t trustm_sec_wait_zero(trustm_device_t *dev, uint32_t budget_us, uint32_t poll_us, uint8_t *sec)
{
    return api_run(dev, trustm_op_start_sec_wait_zero(dev, budget_us, poll_us, sec));
}

/*
 * mqtt_client.c - MQTT session: connect (with v5 enhanced authentication), QoS 0/1 publish with
 * a store for re-sending after reconnect, subscribe / unsubscribe, incoming messages,
 * keep-alive, disconnect. See mqtt_client.h for the contract.
 */
#include "mqtt/mqtt_client.h"

#include <string.h>

#include "trustm_bytes.h"

static uint32_t now(const mqtt_client_t *c)
{
    return c->cfg.now_ms(c->cfg.user);
}

static uint32_t since(const mqtt_client_t *c, uint32_t t0)
{
    return now(c) - t0; /* wraps correctly */
}

static void emit(mqtt_client_t *c, mqtt_event_type_t type, uint16_t id, uint8_t reason)
{
    if (c->cfg.on_event != NULL) {
        mqtt_event_t ev;
        memset(&ev, 0, sizeof ev);
        ev.type = type;
        ev.packet_id = id;
        ev.reason = reason;
        c->cfg.on_event(c->cfg.user, &ev);
    }
}

/* ---- in-flight table and store --------------------------------------------------------- */

static mqtt_inflight_t *inflight_find(mqtt_client_t *c, uint8_t type, uint16_t id)
{
    for (size_t i = 0; i < MQTT_CLIENT_MAX_INFLIGHT; i++) {
        mqtt_inflight_t *e = &c->inflight[i];
        if (e->type != 0 && e->packet_id == id && (type == 0 || e->type == type))
            return e;
    }
    return NULL;
}

static mqtt_inflight_t *inflight_free_slot(mqtt_client_t *c)
{
    for (size_t i = 0; i < MQTT_CLIENT_MAX_INFLIGHT; i++)
        if (c->inflight[i].type == 0)
            return &c->inflight[i];
    return NULL;
}

static void inflight_remove(mqtt_client_t *c, mqtt_inflight_t *e)
{
    if (e->type == MQTT_PUBLISH && e->len > 0) {
        /* Close the gap in the store and move the later packets down. */
        size_t end = e->off + e->len;
        memmove(c->cfg.store_buf + e->off, c->cfg.store_buf + end, c->store_used - end);
        c->store_used -= e->len;
        for (size_t i = 0; i < MQTT_CLIENT_MAX_INFLIGHT; i++) {
            mqtt_inflight_t *o = &c->inflight[i];
            if (o->type == MQTT_PUBLISH && o->off > e->off)
                o->off -= e->len;
        }
    }
    memset(e, 0, sizeof *e);
}

size_t mqtt_client_pending(const mqtt_client_t *c)
{
    size_t n = 0;
    for (size_t i = 0; i < MQTT_CLIENT_MAX_INFLIGHT; i++)
        if (c->inflight[i].type == MQTT_PUBLISH)
            n++;
    return n;
}

void mqtt_client_drop_pending(mqtt_client_t *c)
{
    for (size_t i = 0; i < MQTT_CLIENT_MAX_INFLIGHT; i++)
        if (c->inflight[i].type == MQTT_PUBLISH)
            memset(&c->inflight[i], 0, sizeof c->inflight[i]);
    c->store_used = 0;
}

/* Packet ids: one more than the last one given out, skipping 0 and ids still in flight. */
static uint16_t next_id(mqtt_client_t *c)
{
    uint16_t id = c->last_id;
    do {
        id = id == 0xFFFF ? 1 : (uint16_t)(id + 1);
    } while (inflight_find(c, 0, id) != NULL);
    return id;
}

/* ---- connection ------------------------------------------------------------------------ */

bool mqtt_client_connected(const mqtt_client_t *c)
{
    return c != NULL && c->connected;
}

/* End the connection: close the transport, fail pending (un)subscribes, report. */
static void conn_end(mqtt_client_t *c, mqtt_status_t why, uint8_t reason)
{
    bool was = c->connected;
    c->connected = false;
    c->rx_have = 0;
    c->discard_left = 0;
    c->ping_out = false;
    if (c->t.close != NULL)
        c->t.close(c->t.ctx);
    memset(&c->t, 0, sizeof c->t);
    for (size_t i = 0; i < MQTT_CLIENT_MAX_INFLIGHT; i++) {
        mqtt_inflight_t *e = &c->inflight[i];
        if (e->type == MQTT_SUBSCRIBE || e->type == MQTT_UNSUBSCRIBE) {
            uint16_t id = e->packet_id;
            mqtt_event_type_t t =
                e->type == MQTT_SUBSCRIBE ? MQTT_EVENT_SUBSCRIBE_TIMEOUT : MQTT_EVENT_UNSUBSCRIBE_TIMEOUT;
            inflight_remove(c, e);
            emit(c, t, id, 0);
        }
    }
    if (was && c->cfg.on_event != NULL) {
        mqtt_event_t ev;
        memset(&ev, 0, sizeof ev);
        ev.type = MQTT_EVENT_DISCONNECT;
        ev.status = why;
        ev.reason = reason;
        c->cfg.on_event(c->cfg.user, &ev);
    }
}

/* Write all of buf within the request timeout. */
static mqtt_status_t send_all(mqtt_client_t *c, const uint8_t *buf, size_t len)
{
    uint32_t t0 = now(c);
    size_t off = 0;
    if (c->t.send == NULL)
        return MQTT_ERR_STATE;
    while (off < len) {
        uint32_t spent = since(c, t0);
        if (spent >= c->cfg.request_timeout_ms)
            return MQTT_ERR_TIMEOUT;
        int32_t n = c->t.send(c->t.ctx, buf + off, len - off, c->cfg.request_timeout_ms - spent);
        if (n < 0 || (size_t)n > len - off)
            return MQTT_ERR_TRANSPORT;
        off += (size_t)n;
    }
    c->last_send_ms = now(c);
    return MQTT_OK;
}

/* Send; on failure end the connection. */
static mqtt_status_t send_or_end(mqtt_client_t *c, const uint8_t *buf, size_t len)
{
    mqtt_status_t st = send_all(c, buf, len);
    if (st != MQTT_OK)
        conn_end(c, st, 0);
    return st;
}

/* Best effort DISCONNECT with a reason (v5), then end the connection. */
static void abort_with(mqtt_client_t *c, uint8_t reason, mqtt_status_t why)
{
    mqtt_reason_t r;
    size_t n;
    memset(&r, 0, sizeof r);
    r.reason = reason;
    if (c->t.send != NULL && mqtt_encode_disconnect(c->version, &r, c->cfg.tx_buf, c->cfg.tx_size, &n) == MQTT_OK)
        (void)send_all(c, c->cfg.tx_buf, n);
    conn_end(c, why, reason);
}

/* Read one complete packet into rx_buf within timeout_ms. MQTT_ERR_TIMEOUT: nothing complete
 * yet (a partial packet is kept for the next call). Packets that do not fit are read and
 * dropped (event) and reading goes on. */
static mqtt_status_t read_packet(mqtt_client_t *c, uint32_t timeout_ms, size_t *len)
{
    uint32_t t0 = now(c);
    for (;;) {
        size_t need, want;
        uint8_t *dst;
        mqtt_status_t st = MQTT_ERR_TRUNCATED;
        if (c->discard_left > 0) {
            dst = c->cfg.rx_buf;
            want = c->discard_left < c->cfg.rx_size ? c->discard_left : c->cfg.rx_size;
        } else {
            st = mqtt_packet_need(c->cfg.rx_buf, c->rx_have, &need);
            if (st != MQTT_OK && st != MQTT_ERR_TRUNCATED)
                return st;
            if (st == MQTT_OK && need > c->cfg.rx_size) {
                if (c->cfg.on_event != NULL) {
                    mqtt_event_t ev;
                    memset(&ev, 0, sizeof ev);
                    ev.type = MQTT_EVENT_BUFFER_OVERFLOW;
                    ev.size = need;
                    c->cfg.on_event(c->cfg.user, &ev);
                }
                c->discard_left = need - c->rx_have;
                c->rx_have = 0;
                continue;
            }
            if (st == MQTT_OK && c->rx_have == need) {
                *len = need;
                c->rx_have = 0;
                return MQTT_OK;
            }
            dst = c->cfg.rx_buf + c->rx_have;
            want = need - c->rx_have;
        }
        uint32_t spent = since(c, t0);
        uint32_t left = spent >= timeout_ms ? 0 : timeout_ms - spent;
        int32_t n = c->t.recv(c->t.ctx, dst, want, left);
        if (n < 0 || (size_t)n > want)
            return MQTT_ERR_TRANSPORT;
        if (n == 0) {
            if (since(c, t0) >= timeout_ms)
                return MQTT_ERR_TIMEOUT;
            continue;
        }
        if (c->discard_left > 0)
            c->discard_left -= (size_t)n;
        else
            c->rx_have += (size_t)n;
    }
}

mqtt_status_t mqtt_client_init(mqtt_client_t *c, const mqtt_client_config_t *cfg)
{
    if (c == NULL || cfg == NULL || cfg->tx_buf == NULL || cfg->tx_size < 16 || cfg->rx_buf == NULL ||
        cfg->rx_size < 16 || (cfg->store_buf == NULL && cfg->store_size > 0) || cfg->now_ms == NULL ||
        cfg->request_timeout_ms == 0)
        return MQTT_ERR_PARAM;
    memset(c, 0, sizeof *c);
    c->cfg = *cfg;
    c->version = MQTT_V311;
    return MQTT_OK;
}

/* Re-send every stored PUBLISH in the order it was first sent, DUP set. */
static mqtt_status_t resend_pending(mqtt_client_t *c)
{
    size_t from = 0;
    for (;;) {
        mqtt_inflight_t *best = NULL;
        for (size_t i = 0; i < MQTT_CLIENT_MAX_INFLIGHT; i++) {
            mqtt_inflight_t *e = &c->inflight[i];
            if (e->type == MQTT_PUBLISH && e->off >= from && (best == NULL || e->off < best->off))
                best = e;
        }
        if (best == NULL)
            return MQTT_OK;
        c->cfg.store_buf[best->off] |= 0x08; /* DUP */
        best->sent_ms = now(c);
        mqtt_status_t st = send_or_end(c, c->cfg.store_buf + best->off, best->len);
        if (st != MQTT_OK)
            return st;
        from = best->off + best->len;
    }
}

static mqtt_status_t send_auth(mqtt_client_t *c, mqtt_str_t method, mqtt_str_t data)
{
    mqtt_reason_t r;
    size_t n;
    memset(&r, 0, sizeof r);
    r.reason = MQTT_RC_CONTINUE_AUTH;
    (void)mqtt_props_set_str(&r.props, MQTT_PROP_AUTH_METHOD, method.ptr, method.len);
    mqtt_status_t st = mqtt_props_set_str(&r.props, MQTT_PROP_AUTH_DATA, data.ptr, data.len);
    if (st == MQTT_OK)
        st = mqtt_encode_auth(&r, c->cfg.tx_buf, c->cfg.tx_size, &n);
    if (st != MQTT_OK)
        return st;
    return send_all(c, c->cfg.tx_buf, n);
}

/* The CONNACK arrived: check it, take the server's limits, verify its auth proof. */
static mqtt_status_t on_connack(mqtt_client_t *c, const mqtt_connect_t *conn, const mqtt_connack_t *ack)
{
    bool enhanced = conn->version == MQTT_V5 && mqtt_props_has(&conn->props, MQTT_PROP_AUTH_METHOD);
    if (ack->reason != 0) {
        conn_end(c, MQTT_ERR_REFUSED, ack->reason);
        return MQTT_ERR_REFUSED;
    }
    if (enhanced) {
        if (mqtt_props_has(&ack->props, MQTT_PROP_AUTH_METHOD) &&
            !mqtt_str_eq(ack->props.auth_method, conn->props.auth_method)) {
            abort_with(c, MQTT_RC_PROTOCOL_ERROR, MQTT_ERR_AUTH);
            return MQTT_ERR_AUTH;
        }
        if (c->cfg.on_connack_auth != NULL && c->cfg.on_connack_auth(c->cfg.user, ack) != MQTT_OK) {
            abort_with(c, MQTT_RC_NOT_AUTHORIZED, MQTT_ERR_AUTH);
            return MQTT_ERR_AUTH;
        }
    }
    c->server_receive_max = 0xFFFF;
    c->server_max_packet = MQTT_MAX_REMAINING + MQTT_MAX_HEADER;
    if (conn->version == MQTT_V5) {
        if (mqtt_props_has(&ack->props, MQTT_PROP_RECEIVE_MAXIMUM))
            c->server_receive_max = ack->props.receive_maximum;
        if (mqtt_props_has(&ack->props, MQTT_PROP_MAXIMUM_PACKET_SIZE))
            c->server_max_packet = ack->props.maximum_packet_size;
        if (mqtt_props_has(&ack->props, MQTT_PROP_SERVER_KEEP_ALIVE))
            c->keep_alive_s = ack->props.server_keep_alive;
    }
    c->connected = true;
    c->last_send_ms = now(c);
    return resend_pending(c);
}

mqtt_status_t mqtt_client_connect(mqtt_client_t *c, const mqtt_transport_t *t, const mqtt_connect_t *conn,
                                  mqtt_connack_t *connack)
{
    mqtt_packet_t pkt;
    size_t n;
    if (c == NULL || t == NULL || t->send == NULL || t->recv == NULL || conn == NULL)
        return MQTT_ERR_PARAM;
    if (c->connected)
        return MQTT_ERR_STATE;
    if (connack != NULL)
        memset(connack, 0, sizeof *connack);
    mqtt_status_t st = mqtt_encode_connect(conn, c->cfg.tx_buf, c->cfg.tx_size, &n);
    if (st != MQTT_OK)
        return st;
    c->t = *t;
    c->version = conn->version;
    c->keep_alive_s = conn->keep_alive;
    c->rx_have = 0;
    c->discard_left = 0;
    c->ping_out = false;
    st = send_all(c, c->cfg.tx_buf, n);
    trustm_wipe(c->cfg.tx_buf, n); /* the password */
    if (st != MQTT_OK) {
        conn_end(c, st, 0);
        return st;
    }
    bool enhanced = conn->version == MQTT_V5 && mqtt_props_has(&conn->props, MQTT_PROP_AUTH_METHOD);
    for (;;) {
        st = read_packet(c, c->cfg.request_timeout_ms, &n);
        if (st == MQTT_OK)
            st = mqtt_decode(c->version, c->cfg.rx_buf, n, &pkt);
        if (st != MQTT_OK) {
            if (st == MQTT_ERR_TIMEOUT || st == MQTT_ERR_TRANSPORT)
                conn_end(c, st, 0);
            else
                abort_with(c, MQTT_RC_MALFORMED, st);
            return st;
        }
        if (pkt.type == MQTT_CONNACK) {
            if (connack != NULL)
                *connack = pkt.u.connack;
            return on_connack(c, conn, &pkt.u.connack);
        }
        if (pkt.type != MQTT_AUTH || !enhanced || pkt.u.reason.reason != MQTT_RC_CONTINUE_AUTH ||
            !mqtt_str_eq(pkt.u.reason.props.auth_method, conn->props.auth_method)) {
            abort_with(c, MQTT_RC_PROTOCOL_ERROR, MQTT_ERR_PROTOCOL);
            return MQTT_ERR_PROTOCOL;
        }
        mqtt_str_t reply = {NULL, 0};
        if (c->cfg.on_auth == NULL || c->cfg.on_auth(c->cfg.user, &pkt.u.reason.props, &reply) != MQTT_OK) {
            abort_with(c, MQTT_RC_UNSPECIFIED, MQTT_ERR_AUTH);
            return MQTT_ERR_AUTH;
        }
        st = send_auth(c, conn->props.auth_method, reply);
        if (st != MQTT_OK) {
            conn_end(c, st, 0);
            return st;
        }
    }
}

mqtt_status_t mqtt_client_disconnect(mqtt_client_t *c, uint8_t reason)
{
    if (c == NULL)
        return MQTT_ERR_PARAM;
    if (!c->connected)
        return MQTT_ERR_STATE;
    mqtt_reason_t r;
    size_t n;
    memset(&r, 0, sizeof r);
    r.reason = reason;
    mqtt_status_t st = mqtt_encode_disconnect(c->version, &r, c->cfg.tx_buf, c->cfg.tx_size, &n);
    if (st == MQTT_OK)
        st = send_all(c, c->cfg.tx_buf, n);
    conn_end(c, MQTT_OK, reason);
    return st;
}

/* ---- publish / subscribe --------------------------------------------------------------- */

mqtt_status_t mqtt_client_publish(mqtt_client_t *c, const mqtt_publish_t *msg, uint16_t *packet_id)
{
    size_t n;
    if (c == NULL || msg == NULL || msg->qos > 1)
        return MQTT_ERR_PARAM;
    if (!c->connected)
        return MQTT_ERR_STATE;
    mqtt_publish_t p = *msg;
    p.dup = false;
    p.packet_id = 0;
    if (p.qos == 0) {
        mqtt_status_t st = mqtt_encode_publish(c->version, &p, c->cfg.tx_buf, c->cfg.tx_size, &n);
        if (st == MQTT_ERR_NO_SPACE)
            return MQTT_ERR_TOO_LARGE;
        if (st != MQTT_OK)
            return st;
        if (n > c->server_max_packet)
            return MQTT_ERR_TOO_LARGE;
        return send_or_end(c, c->cfg.tx_buf, n);
    }
    mqtt_inflight_t *e = inflight_free_slot(c);
    if (e == NULL || mqtt_client_pending(c) >= c->server_receive_max)
        return MQTT_ERR_FULL;
    p.packet_id = next_id(c);
    mqtt_status_t st =
        mqtt_encode_publish(c->version, &p, c->cfg.store_buf + c->store_used, c->cfg.store_size - c->store_used, &n);
    if (st == MQTT_ERR_NO_SPACE) {
        size_t total = 0;
        /* Full now, or never fits? */
        (void)mqtt_encode_publish(c->version, &p, NULL, 0, &total);
        return total > c->cfg.store_size ? MQTT_ERR_TOO_LARGE : MQTT_ERR_FULL;
    }
    if (st != MQTT_OK)
        return st;
    if (n > c->server_max_packet)
        return MQTT_ERR_TOO_LARGE;
    c->last_id = p.packet_id;
    e->type = MQTT_PUBLISH;
    e->packet_id = p.packet_id;
    e->off = c->store_used;
    e->len = n;
    e->sent_ms = now(c);
    c->store_used += n;
    if (packet_id != NULL)
        *packet_id = p.packet_id;
    return send_or_end(c, c->cfg.store_buf + e->off, n);
}

static mqtt_status_t sub_common(mqtt_client_t *c, uint8_t type, mqtt_subscribe_t *s, uint16_t *packet_id)
{
    size_t n;
    mqtt_status_t st;
    if (!c->connected)
        return MQTT_ERR_STATE;
    mqtt_inflight_t *e = inflight_free_slot(c);
    if (e == NULL)
        return MQTT_ERR_FULL;
    s->packet_id = next_id(c);
    st = type == MQTT_SUBSCRIBE ? mqtt_encode_subscribe(c->version, s, c->cfg.tx_buf, c->cfg.tx_size, &n)
                                : mqtt_encode_unsubscribe(c->version, s, c->cfg.tx_buf, c->cfg.tx_size, &n);
    if (st == MQTT_ERR_NO_SPACE)
        return MQTT_ERR_TOO_LARGE;
    if (st != MQTT_OK)
        return st;
    c->last_id = s->packet_id;
    e->type = type;
    e->packet_id = s->packet_id;
    e->sent_ms = now(c);
    if (packet_id != NULL)
        *packet_id = s->packet_id;
    return send_or_end(c, c->cfg.tx_buf, n);
}

mqtt_status_t mqtt_client_subscribe(mqtt_client_t *c, const mqtt_sub_t *subs, size_t count, const mqtt_props_t *props,
                                    uint16_t *packet_id)
{
    mqtt_subscribe_t s;
    if (c == NULL || subs == NULL || count == 0)
        return MQTT_ERR_PARAM;
    for (size_t i = 0; i < count; i++)
        if ((subs[i].options & 3) > 1) /* no QoS 2 in this client */
            return MQTT_ERR_PARAM;
    memset(&s, 0, sizeof s);
    s.subs = subs;
    s.count = count;
    if (props != NULL)
        s.props = *props;
    return sub_common(c, MQTT_SUBSCRIBE, &s, packet_id);
}

mqtt_status_t mqtt_client_unsubscribe(mqtt_client_t *c, const mqtt_str_t *filters, size_t count,
                                      const mqtt_props_t *props, uint16_t *packet_id)
{
    mqtt_subscribe_t s;
    if (c == NULL || filters == NULL || count == 0)
        return MQTT_ERR_PARAM;
    memset(&s, 0, sizeof s);
    s.filters = filters;
    s.count = count;
    if (props != NULL)
        s.props = *props;
    return sub_common(c, MQTT_UNSUBSCRIBE, &s, packet_id);
}

/* ---- incoming packets ------------------------------------------------------------------ */

static mqtt_status_t handle_suback(mqtt_client_t *c, uint8_t type, const mqtt_suback_t *s)
{
    uint8_t want = type == MQTT_SUBACK ? MQTT_SUBSCRIBE : MQTT_UNSUBSCRIBE;
    mqtt_inflight_t *e = inflight_find(c, want, s->packet_id);
    if (e == NULL)
        return MQTT_OK; /* late ack of a timed-out request */
    bool nack = false;
    for (size_t i = 0; i < s->count; i++)
        if (s->codes[i] >= 0x80)
            nack = true;
    inflight_remove(c, e);
    if (c->cfg.on_event != NULL) {
        mqtt_event_t ev;
        memset(&ev, 0, sizeof ev);
        if (type == MQTT_SUBACK)
            ev.type = nack ? MQTT_EVENT_SUBSCRIBE_NACK : MQTT_EVENT_SUBSCRIBE_SUCCESS;
        else
            ev.type = nack ? MQTT_EVENT_UNSUBSCRIBE_NACK : MQTT_EVENT_UNSUBSCRIBE_SUCCESS;
        ev.packet_id = s->packet_id;
        ev.codes = s->codes;
        ev.count = s->count;
        c->cfg.on_event(c->cfg.user, &ev);
    }
    return MQTT_OK;
}

static mqtt_status_t handle_publish(mqtt_client_t *c, const mqtt_publish_t *p)
{
    if (p->qos > 1 || p->topic.len == 0) {
        abort_with(c, MQTT_RC_PROTOCOL_ERROR, MQTT_ERR_PROTOCOL);
        return MQTT_ERR_PROTOCOL;
    }
    if (c->cfg.on_message != NULL)
        c->cfg.on_message(c->cfg.user, p);
    if (p->qos == 1 && c->connected) {
        mqtt_ack_t a;
        size_t n;
        memset(&a, 0, sizeof a);
        a.packet_id = p->packet_id;
        mqtt_status_t st = mqtt_encode_ack(c->version, MQTT_PUBACK, &a, c->cfg.tx_buf, c->cfg.tx_size, &n);
        if (st == MQTT_OK)
            st = send_or_end(c, c->cfg.tx_buf, n);
        return st;
    }
    return MQTT_OK;
}

static mqtt_status_t handle_packet(mqtt_client_t *c, const mqtt_packet_t *pkt)
{
    switch (pkt->type) {
    case MQTT_PUBACK: {
        mqtt_inflight_t *e = inflight_find(c, MQTT_PUBLISH, pkt->u.ack.packet_id);
        if (e != NULL) {
            inflight_remove(c, e);
            emit(c, pkt->u.ack.reason >= 0x80 ? MQTT_EVENT_PUBLISH_NACK : MQTT_EVENT_PUBLISH_SUCCESS,
                 pkt->u.ack.packet_id, pkt->u.ack.reason);
        }
        return MQTT_OK;
    }
    case MQTT_SUBACK:
    case MQTT_UNSUBACK:
        return handle_suback(c, pkt->type, &pkt->u.suback);
    case MQTT_PUBLISH:
        return handle_publish(c, &pkt->u.publish);
    case MQTT_PINGRESP:
        c->ping_out = false;
        return MQTT_OK;
    case MQTT_DISCONNECT:
        conn_end(c, MQTT_ERR_TRANSPORT, pkt->u.reason.reason);
        return MQTT_ERR_TRANSPORT;
    default:
        abort_with(c, MQTT_RC_PROTOCOL_ERROR, MQTT_ERR_PROTOCOL);
        return MQTT_ERR_PROTOCOL;
    }
}

/* Keep-alive and request timeouts. Returns the ms until the next keep-alive action. */
static mqtt_status_t timers(mqtt_client_t *c, uint32_t *next_ms)
{
    *next_ms = 0xFFFFFFFFu;
    for (size_t i = 0; i < MQTT_CLIENT_MAX_INFLIGHT; i++) {
        mqtt_inflight_t *e = &c->inflight[i];
        if (e->type != MQTT_SUBSCRIBE && e->type != MQTT_UNSUBSCRIBE)
            continue;
        uint32_t waited = since(c, e->sent_ms);
        if (waited < c->cfg.request_timeout_ms) {
            if (c->cfg.request_timeout_ms - waited < *next_ms)
                *next_ms = c->cfg.request_timeout_ms - waited;
        } else {
            uint16_t id = e->packet_id;
            mqtt_event_type_t t =
                e->type == MQTT_SUBSCRIBE ? MQTT_EVENT_SUBSCRIBE_TIMEOUT : MQTT_EVENT_UNSUBSCRIBE_TIMEOUT;
            inflight_remove(c, e);
            emit(c, t, id, 0);
        }
    }
    if (c->ping_out) {
        uint32_t waited = since(c, c->ping_ms);
        if (waited >= c->cfg.request_timeout_ms) {
            abort_with(c, MQTT_RC_UNSPECIFIED, MQTT_ERR_TIMEOUT);
            return MQTT_ERR_TIMEOUT;
        }
        if (c->cfg.request_timeout_ms - waited < *next_ms)
            *next_ms = c->cfg.request_timeout_ms - waited;
        return MQTT_OK;
    }
    if (c->keep_alive_s == 0)
        return MQTT_OK;
    uint32_t period = (uint32_t)c->keep_alive_s * 1000u, idle = since(c, c->last_send_ms);
    if (idle < period) {
        if (period - idle < *next_ms)
            *next_ms = period - idle;
        return MQTT_OK;
    }
    size_t n;
    mqtt_status_t st = mqtt_encode_ping(MQTT_PINGREQ, c->cfg.tx_buf, c->cfg.tx_size, &n);
    if (st == MQTT_OK)
        st = send_or_end(c, c->cfg.tx_buf, n);
    if (st != MQTT_OK)
        return st;
    c->ping_out = true;
    c->ping_ms = now(c);
    if (c->cfg.request_timeout_ms < *next_ms)
        *next_ms = c->cfg.request_timeout_ms;
    return MQTT_OK;
}

mqtt_status_t mqtt_client_yield(mqtt_client_t *c, uint32_t timeout_ms)
{
    if (c == NULL)
        return MQTT_ERR_PARAM;
    if (!c->connected)
        return MQTT_ERR_STATE;
    uint32_t t0 = now(c);
    do {
        uint32_t next, spent;
        size_t n;
        mqtt_packet_t pkt;
        mqtt_status_t st = timers(c, &next);
        if (st != MQTT_OK)
            return st;
        spent = since(c, t0);
        uint32_t wait = spent >= timeout_ms ? 0 : timeout_ms - spent;
        if (next < wait)
            wait = next;
        st = read_packet(c, wait, &n);
        if (st == MQTT_ERR_TIMEOUT)
            continue;
        if (st == MQTT_OK)
            st = mqtt_decode(c->version, c->cfg.rx_buf, n, &pkt);
        if (st == MQTT_ERR_TRANSPORT) {
            conn_end(c, st, 0);
            return st;
        }
        if (st != MQTT_OK) {
            abort_with(c, MQTT_RC_MALFORMED, st);
            return st;
        }
        if ((st = handle_packet(c, &pkt)) != MQTT_OK)
            return st;
    } while (since(c, t0) < timeout_ms);
    return MQTT_OK;
}

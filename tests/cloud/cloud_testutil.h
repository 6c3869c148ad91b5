/*
 * cloud_testutil.h - helpers of the cloud tests: the device side of an auth code (what the ID2
 * client computes, id2.md 5.3) built from id2v_sign, test keys, temporary folders, file scans.
 */
#ifndef CLOUD_TESTUTIL_H
#define CLOUD_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "id2v/id2v.h"

/* The §10 device: ID2 00112233445566778899AABB, AES key 000102...0F. */
void ct_spec_aes_key(id2v_key_t *k);

/* "<type>~2~<dr>~<sr>~base64(id2_sign(id2 || dr || sr || extra))" into out (>= 256). */
int ct_device_code(const id2v_key_t *k, int type, const char *dr, const char *sr, const char *extra, char *out);

/* Fresh RSA-1024 key (PKCS#1 DER) for id2; 0 on success. */
int ct_rsa_gen(id2v_key_t *k, const char *id2);

/* A fresh RSA-1024 private key written as PEM to path; 0 on success. */
int ct_rsa_pem_file(const char *path);

/* RSA PEM file into k (DER); 0 on success. */
int ct_rsa_from_pem(const char *path, id2v_key_t *k, const char *id2);

/* mkdtemp under TMPDIR or /tmp; returns a static path. */
const char *ct_tmpdir(const char *tag);

/* 1 when the file contains the byte string needle. */
int ct_file_contains(const char *path, const uint8_t *needle, size_t n);

/* Whole file (NUL-terminated, malloc'ed) or NULL. */
char *ct_read(const char *path, size_t *len);

#endif

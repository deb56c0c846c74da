/* account.c - helpers shared by the account handlers (account.h). */
#include "account.h"

#include <ctype.h>
#include <string.h>

json_t *account_read_body(const struct http_request *req, struct http_reply *reply)
{
    return http_read_json_object(req, reply, ACCOUNT_BODY_MAX, HTTP_JSON_TYPE_REQUIRED);
}

const char *account_str(json_t *obj, const char *key, size_t maxlen, int *bad,
                        struct http_reply *reply)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return NULL;
    const char *s = json_string_value(v);
    size_t len = s ? strlen(s) : 0;
    if (!s || len != json_string_length(v) || len == 0 || len > maxlen ||
        !http_utf8_valid(s, len)) {
        http_reply_bad_param(reply, key, "must be a string of 1..%zu bytes", maxlen);
        *bad = 1;
        return NULL;
    }
    return s;
}

int account_name_norm(const char *name, char *out, size_t outlen)
{
    size_t n = strlen(name);
    if (n == 0 || n > 64 || n >= outlen)
        return -1;
    for (size_t i = 0; i <= n; i++)
        out[i] = (char)tolower((unsigned char)name[i]);
    if (!isalnum((unsigned char)out[0]))
        return -1;
    return strspn(out, "abcdefghijklmnopqrstuvwxyz0123456789._@-") == n ? 0 : -1;
}

int account_password_ok(const char *pw, const char *field, struct http_reply *reply)
{
    size_t n = pw ? strlen(pw) : 0;
    if (n < PASSWORD_MIN || n > PASSWORD_MAX) {
        http_reply_bad_param(reply, field, "a password needs %d..%d bytes", PASSWORD_MIN,
                             PASSWORD_MAX);
        return -1;
    }
    return 0;
}

void account_audit_note(struct web_ctx *ctx, const char *key, const char *value)
{
    json_decref(ctx->audit_detail);
    ctx->audit_detail = json_pack("{s:s?}", key, value);
}

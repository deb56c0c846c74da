/* fuzz_http.c - HTTP/1.x request and response head parsers on arbitrary
 * bytes (as the flow layer hands them over after reassembly). */
#define FUZZ_TARGET "http"
#include "fuzz_common.h"

#include "app_http.h"

static struct http_req req;
static struct http_resp resp;

#define TERMINATED(field) FUZZ_ASSERT(strnlen((field), sizeof(field)) < sizeof(field))

static void fuzz_one(const uint8_t *data, size_t size)
{
    fuzz_sink += http_is_request_start(data, size);
    fuzz_sink += http_is_response_start(data, size);

    enum ps_result r = http_parse_request(data, size, &req);
    FUZZ_ASSERT(r == PS_OK || r == PS_TRUNCATED || r == PS_INVALID);
    FUZZ_ASSERT(r == PS_OK ? req.header_len > 0 && req.header_len <= size : req.header_len == 0);
    TERMINATED(req.method);
    TERMINATED(req.uri);
    TERMINATED(req.version);
    TERMINATED(req.host);
    TERMINATED(req.user_agent);
    TERMINATED(req.basic_user);
    FUZZ_ASSERT(req.content_length >= -1);

    r = http_parse_response(data, size, &resp);
    FUZZ_ASSERT(r == PS_OK || r == PS_TRUNCATED || r == PS_INVALID);
    FUZZ_ASSERT(r == PS_OK ? resp.header_len > 0 && resp.header_len <= size
                           : resp.header_len == 0);
    TERMINATED(resp.version);
    TERMINATED(resp.status_msg);
    TERMINATED(resp.content_type);
    FUZZ_ASSERT(resp.content_length >= -1);
}

/* multipart.h - a streaming multipart/form-data reader (RFC 7578 over RFC
 * 2046 section 5.1): parts are handed over as they arrive, file contents in
 * pieces, so a body of any size passes through a fixed-size buffer. */
#ifndef PS_WEBAPI_MULTIPART_H
#define PS_WEBAPI_MULTIPART_H

#include <fcgiapp.h>
#include <stddef.h>

#define MP_BOUNDARY_MAX 70    /* RFC 2046 */
#define MP_HEADERS_MAX 8192   /* all header lines of one part */
#define MP_FIELD_MAX 4096     /* value of a non-file field */
#define MP_NAME_MAX 256       /* field name / file name */

/* Callbacks return 0 to go on, or an HTTP status (with the reply filled by
 * the callee) to stop; the reader then returns that status. */
struct mp_sink {
    int (*field)(void *arg, const char *name, const char *value);
    int (*file_begin)(void *arg, const char *name, const char *filename);
    int (*file_data)(void *arg, const unsigned char *data, size_t len);
    int (*file_end)(void *arg);
    void *arg;
};

/* Extracts the boundary parameter of a multipart/form-data Content-Type
 * into out (MP_BOUNDARY_MAX + 1 bytes). 0, or -1 when absent or invalid. */
int multipart_boundary(const char *content_type, char *out);

/* Reads in to its end. Returns 0, a callback's status, or -1 when the body
 * is not well-formed multipart (err says why). */
int multipart_read(FCGX_Stream *in, const char *boundary, const struct mp_sink *sink, char *err,
                   size_t errlen);

#endif

/* readahead.h - a regular file read by a second thread into a small ring of
 * buffers and handed out as a read-only stdio stream (glibc fopencookie),
 * so that the kernel's copy of a large capture overlaps with dissection.
 * The stream yields exactly the file's bytes in order; libpcap reads it as
 * it would read the file itself. */
#ifndef PS_READAHEAD_H
#define PS_READAHEAD_H

#include <stdio.h>

/* Opens path for reading ahead. Returns a stream, or NULL with errno set
 * (open() failed, not a regular file: ENOTSUP, no memory, no thread).
 * The caller closes the stream with fclose() (directly, or through
 * pcap_close()); that stops and joins the thread and frees everything.
 * A read error of the file reaches the reader as a stream error (ferror).
 * ftello() gives the position; the stream cannot seek. */
FILE *readahead_open(const char *path);

#endif

/* fuzz_dhcp.c - dhcp_parse, plus the other small decoders of app_misc.h
 * (SSH banner, NTP, FTP/POP/IMAP user names, Telnet prompt) with short
 * output buffers so their cutting is exercised too. */
#define FUZZ_TARGET "dhcp"
#include "fuzz_common.h"

#include "app_misc.h"

static void fuzz_one(const uint8_t *data, size_t size)
{
    struct dhcp_msg m;
    enum ps_result r = dhcp_parse(data, size, &m);
    FUZZ_ASSERT(r == PS_OK || r == PS_TRUNCATED || r == PS_INVALID);
    FUZZ_ASSERT(strnlen(m.host_name, sizeof m.host_name) < sizeof m.host_name);
    touch(dhcp_msg_type_name(m.msg_type));

    char small[8], line[300];
    struct ntp_msg ntp;
    if (ssh_banner(data, size, small, sizeof small))
        FUZZ_ASSERT(strlen(small) < sizeof small);
    if (ssh_banner(data, size, line, sizeof line))
        FUZZ_ASSERT(strlen(line) < sizeof line);
    fuzz_sink += ntp_parse(data, size, &ntp);
    if (ftp_user(data, size, small, sizeof small))
        FUZZ_ASSERT(strlen(small) < sizeof small);
    if (pop_imap_user(data, size, small, sizeof small))
        FUZZ_ASSERT(strlen(small) < sizeof small);
    if (pop_imap_user(data, size, line, sizeof line))
        FUZZ_ASSERT(strlen(line) < sizeof line);
    fuzz_sink += telnet_login_prompt(data, size);
}

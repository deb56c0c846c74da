/* privs.c - capability and user handling with libcap (capabilities(7)). */
#include "privs.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

/* Sets permitted = effective = the given capabilities (n may be 0). */
static int set_caps(const cap_value_t *caps, int n, char *err, size_t errlen)
{
    cap_t c = cap_init();
    int rc = -1;
    if (c && (n == 0 || (cap_set_flag(c, CAP_PERMITTED, n, caps, CAP_SET) == 0 &&
                         cap_set_flag(c, CAP_EFFECTIVE, n, caps, CAP_SET) == 0)))
        rc = cap_set_proc(c);
    if (rc != 0)
        snprintf(err, errlen, "setting capabilities: %s", strerror(errno));
    cap_free(c);
    return rc;
}

static int switch_user(const char *user, char *err, size_t errlen)
{
    struct passwd *pw = getpwnam(user);
    if (!pw) {
        snprintf(err, errlen, "no such user '%s' (create it or set 'user' in the config)", user);
        return -1;
    }
    if (prctl(PR_SET_KEEPCAPS, 1) != 0 || setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 ||
        setuid(pw->pw_uid) != 0) {
        snprintf(err, errlen, "switching to user %s: %s", user, strerror(errno));
        return -1;
    }
    prctl(PR_SET_KEEPCAPS, 0);
    return 0;
}

static int no_new_privs(char *err, size_t errlen)
{
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        snprintf(err, errlen, "no_new_privs: %s", strerror(errno));
        return -1;
    }
    return 0;
}

int privs_drop_to_capture(const char *user, char *err, size_t errlen)
{
    static const cap_value_t keep[] = {CAP_NET_RAW};
    if (geteuid() == 0 && switch_user(user, err, errlen) < 0)
        return -1;
    if (set_caps(keep, 1, err, errlen) < 0)
        return -1;
    /* ambient: nothing; inheritable: nothing (cap_init cleared them) */
    return no_new_privs(err, errlen);
}

int privs_drop_all(const char *user, char *err, size_t errlen)
{
    if (geteuid() == 0 && switch_user(user, err, errlen) < 0)
        return -1;
    if (set_caps(NULL, 0, err, errlen) < 0)
        return -1;
    return no_new_privs(err, errlen);
}

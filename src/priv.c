/* priv: dropping root for --user: groups, gid, uid, in that order, checked. */
#include "priv.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "conf.h"
#include "ctlpath.h"
#include "log.h"

/* The control socket's directory, as ctl_open was given it. */
static bool socket_dir(const struct conf *c, char dir[static CTLPATH_MAX])
{
	bool in_subdir;
	char *slash;

	if (c->control != NULL) {
		if (strlen(c->control) >= CTLPATH_MAX)
			return false;
		strcpy(dir, c->control);
	} else if (!ctlpath_default(c->dev, dir, &in_subdir)) {
		return false;
	}
	slash = strrchr(dir, '/');
	if (slash == NULL)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	return true;
}

/* --user's entry; dies when there is none. */
static const struct passwd *user_entry(const char *user)
{
	const struct passwd *pw;

	errno = 0;
	pw = getpwnam(user);
	if (pw == NULL) {
		if (errno != 0)
			fatal("--user %s: cannot look the user up", user);
		fatalx("--user %s: no such user", user);
	}
	return pw;
}

uid_t priv_run_uid(const struct conf *c)
{
	return c->user != NULL ? user_entry(c->user)->pw_uid : geteuid();
}

void priv_drop(const struct conf *c)
{
	const struct passwd *pw;
	uid_t uid, ruid, euid, suid;
	gid_t gid, rgid, egid, sgid;
	char dir[CTLPATH_MAX];

	if (c->user == NULL)
		return;
	pw = user_entry(c->user);
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	/* Groups first: after setuid there is no right left to change them. */
	if (initgroups(c->user, gid) != 0)
		fatal("--user %s: cannot set its groups", c->user);
	if (setresgid(gid, gid, gid) != 0)
		fatal("--user %s: cannot set group %u", c->user, (unsigned)gid);
	if (setresuid(uid, uid, uid) != 0)
		fatal("--user %s: cannot set uid %u", c->user, (unsigned)uid);
	if (getresuid(&ruid, &euid, &suid) != 0 || getresgid(&rgid, &egid, &sgid) != 0 ||
	    ruid != uid || euid != uid || suid != uid || rgid != gid || egid != gid ||
	    sgid != gid || getuid() != uid || geteuid() != uid)
		fatalx("--user %s: uid %u gid %u did not take", c->user, (unsigned)uid,
		       (unsigned)gid);
	if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0))
		fatalx("--user %s: root could be had back", c->user);

	if (c->peers_file != NULL && access(c->peers_file, R_OK) != 0)
		fatal("--user %s cannot read --peers-file %s, which SIGHUP re-reads", c->user,
		      c->peers_file);
	/* Secure mode works on without reloads: a warning, not a failure. */
	if (c->key_file != NULL && access(c->key_file, R_OK) != 0)
		log_warn("--user %s cannot read --key-file %s: key reloads (SIGHUP, vxtapctl) "
			 "will fail; chown it to %s, keeping mode 0600, or restart to change keys",
			 c->user, c->key_file, c->user);
	if (socket_dir(c, dir) && access(dir, W_OK | X_OK) != 0)
		log_info("user %s cannot write %s: the control socket will stay after exit, "
			 "and the next start replaces it",
			 c->user, dir);
	log_info("running as user %s (uid %u gid %u)", c->user, (unsigned)uid, (unsigned)gid);
}

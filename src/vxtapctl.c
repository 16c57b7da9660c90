/* vxtapctl: sends control requests to a running vxtap over its unix socket and prints the replies.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctlpath.h"
#include "ctlproto.h"

#define USAGE_LINE                                                                  \
	"usage: vxtapctl [--dev NAME | --socket PATH] [--json] COMMAND [ARGS]...\n" \
	"       vxtapctl [--dev NAME | --socket PATH] --batch FILE|-"

/* Keep in step with man/vxtapctl.8. */
static const char help_text[] =
	USAGE_LINE "\n"
		   "Change and inspect a running vxtap through its control socket.\n"
		   "\n"
		   "  -d, --dev NAME      the device's socket (default vxtap0; in a network\n"
		   "                      namespace named NS, /run/vxtap/NS/NAME.sock)\n"
		   "  -s, --socket PATH   this socket instead\n"
		   "  -j, --json          JSON output (show commands and stats)\n"
		   "  -b, --batch FILE    one request a line from FILE (- for stdin)\n"
		   "  -h, --help          print this help and exit\n"
		   "  -V, --version       print the version and exit\n"
		   "\n"
		   "Commands:\n"
		   "  peer add ADDR[:PORT] [key PUBKEY] [noflood]   peer del ADDR[:PORT]\n"
		   "  peer show [--json]   peer flush\n"
		   "  fdb add MAC dst ADDR[:PORT] [port N]   fdb del MAC   fdb show [--json]\n"
		   "  fdb flush\n"
		   "  neigh add IP lladdr MAC   neigh del IP   neigh show [--json]   neigh flush\n"
		   "  stats [--json | --prometheus]\n"
		   "  key load FILE                 secure mode: move to the key in FILE\n"
		   "  lease show [--json]           etcd: this node's lease and the network's\n"
		   "  etcd show [--json]            etcd: endpoints, revision, watch state\n"
		   "  route show [--json]           etcd: the routes vxtap put in the kernel\n"
		   "  help                          the commands vxtap knows\n"
		   "\n"
		   "Exit status: 0 ok, 1 refused by vxtap or no connection, 2 usage error.\n";

struct request_list {
	struct ctlproto_buf text; /* the requests to send, newline-terminated */
	size_t *lines;		  /* the input line of each request (batch mode) */
	size_t n;
};

__attribute__((format(printf, 1, 2))) static _Noreturn void usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("vxtapctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%s\n", USAGE_LINE);
	exit(2);
}

static void oom(void)
{
	fputs("vxtapctl: out of memory\n", stderr);
	exit(1);
}

/* The same rules as vxtap --dev: the name goes into a path. */
static bool dev_ok(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > 15 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] == '/' || s[i] == ':' || s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))
			return false;
	return true;
}

/* Which option a is: 'd', 's', 'b', 'j', 'h', 'V', '-' for "--", 0 for none.
 * "--dev=NAME", "-dNAME" and the like leave the value in *v. */
static int option(const char *a, const char **v)
{
	static const struct {
		const char *name;
		int id;
		bool arg;
	} opts[] = {
		{"dev", 'd', true},   {"socket", 's', true}, {"batch", 'b', true},
		{"json", 'j', false}, {"help", 'h', false},  {"version", 'V', false},
	};

	*v = NULL;
	if (strcmp(a, "--") == 0)
		return '-';
	for (size_t k = 0; k < sizeof(opts) / sizeof(opts[0]); k++) {
		size_t n = strlen(opts[k].name);

		if (a[1] == '-' && strncmp(a + 2, opts[k].name, n) == 0) {
			if (a[2 + n] == '\0')
				return opts[k].id;
			if (a[2 + n] == '=' && opts[k].arg) {
				*v = a + 3 + n;
				return opts[k].id;
			}
		} else if (a[1] == opts[k].id) {
			if (a[2] == '\0')
				return opts[k].id;
			if (opts[k].arg) {
				*v = a + 2;
				return opts[k].id;
			}
		}
	}
	return 0;
}

/* One request from the command words; usage errors are found here, value
 * errors are left for vxtap to report. */
static void command_request(int argc, char *argv[], bool json, struct request_list *rl)
{
	static const struct ctlproto_net client_net; /* no local address, no port */
	struct ctlproto_req req;
	char err[CTLPROTO_ERRLEN], *abs = NULL;

	/* The daemon runs elsewhere: a key file is named by an absolute path. */
	if (argc == 3 && strcmp(argv[0], "key") == 0 && strcmp(argv[1], "load") == 0 &&
	    argv[2][0] != '/' && argv[2][0] != '\0') {
		abs = realpath(argv[2], NULL);
		if (abs == NULL) {
			fprintf(stderr, "vxtapctl: %s: %s\n", argv[2], strerror(errno));
			exit(1);
		}
		argv[2] = abs;
	}
	for (int i = 0; i < argc; i++) {
		if (argv[i][0] == '\0')
			usage_error("empty argument");
		for (const char *p = argv[i]; *p != '\0'; p++)
			if ((unsigned char)*p <= ' ' || *p == 0x7f)
				usage_error(
					"argument \"%s\" contains white space or a control byte",
					argv[i]);
		if (!ctlproto_buf_printf(&rl->text, "%s%s", i ? " " : "", argv[i]))
			oom();
	}
	if (json && !ctlproto_buf_put(&rl->text, " --json", 7))
		oom();
	switch (ctlproto_parse(&client_net, rl->text.data, rl->text.len, &req, err)) {
	case CTLPROTO_OK:
	case CTLPROTO_EVALUE:
		break;
	case CTLPROTO_EMPTY:
		usage_error("no command");
	case CTLPROTO_EUSAGE:
		usage_error("%s", err);
	}
	if (!ctlproto_buf_put(&rl->text, "\n", 1))
		oom();
	rl->n = 1;
	free(abs);
}

static void read_all(int fd, struct ctlproto_buf *b, const char *name)
{
	char chunk[65536];

	for (;;) {
		ssize_t r = read(fd, chunk, sizeof(chunk));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fprintf(stderr, "vxtapctl: cannot read %s: %s\n", name, strerror(errno));
			exit(1);
		}
		if (r == 0)
			return;
		if (!ctlproto_buf_put(b, chunk, (size_t)r))
			oom();
	}
}

/* Requests from a file: blank and comment lines are not sent, so that each
 * sent line gets one reply and errors can name their line. */
static void batch_requests(const char *file, struct request_list *rl)
{
	struct ctlproto_buf in = {0};
	size_t lineno = 0, cap = 0;
	int fd = strcmp(file, "-") == 0 ? 0 : open(file, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "vxtapctl: cannot open %s: %s\n", file, strerror(errno));
		exit(1);
	}
	read_all(fd, &in, file);
	if (fd != 0)
		close(fd);
	for (size_t off = 0; off < in.len;) {
		const char *s = in.data + off;
		const char *nl = memchr(s, '\n', in.len - off);
		size_t n = nl ? (size_t)(nl - s) : in.len - off;

		lineno++;
		off += n + (nl != NULL);
		if (ctlproto_is_blank(s, n))
			continue;
		if (rl->n == cap) {
			size_t *l = realloc(rl->lines, (cap = cap ? cap * 2 : 256) * sizeof(*l));

			if (l == NULL)
				oom();
			rl->lines = l;
		}
		rl->lines[rl->n++] = lineno;
		if (!ctlproto_buf_put(&rl->text, s, n) || !ctlproto_buf_put(&rl->text, "\n", 1))
			oom();
	}
	ctlproto_buf_free(&in);
}

static void print_socket(const char *path, void *arg)
{
	(void)arg;
	fprintf(stderr, "vxtapctl: a socket is at %s\n", path);
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "vxtapctl: socket path %s is too long\n", path);
		exit(1);
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int e = errno;
		size_t n;

		fprintf(stderr, "vxtapctl: cannot connect to %s: %s%s\n", path, strerror(e),
			e == ENOENT || e == ECONNREFUSED ? " (is vxtap running?)" : "");
		if (e == ENOENT || e == ECONNREFUSED) {
			n = ctlpath_list(print_socket, NULL, 32);
			if (n == 0)
				fprintf(stderr, "vxtapctl: no vxtap socket under %s\n",
					CTLPATH_DIR);
		}
		exit(1);
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) {
		perror("vxtapctl: fcntl");
		exit(1);
	}
	return fd;
}

struct replies {
	const struct request_list *rl;
	bool batch;
	size_t done;   /* status lines seen */
	size_t errors; /* of them "error:" */
};

/* One line of the reply stream: a body line goes to stdout, a status line
 * closes the reply to the next request. */
static void reply_line(struct replies *rp, const char *s, size_t n)
{
	const char *msg;
	size_t msglen;

	switch (ctlproto_reply_line(s, n, &msg, &msglen)) {
	case CTLPROTO_REPLY_OK:
		rp->done++;
		return;
	case CTLPROTO_REPLY_ERROR: {
		int len = (int)msglen;

		if (rp->batch && rp->done < rp->rl->n)
			fprintf(stderr, "vxtapctl: line %zu: %.*s\n", rp->rl->lines[rp->done], len,
				msg);
		else
			fprintf(stderr, "vxtapctl: %.*s\n", len, msg);
		rp->done++;
		rp->errors++;
		return;
	}
	case CTLPROTO_REPLY_BODY:
		break;
	}
	fwrite(s, 1, n, stdout);
	fputc('\n', stdout);
}

/* Write the requests while reading the replies, so that neither side waits
 * on a full buffer; returns once vxtap has closed the connection. */
static void exchange(int fd, const struct request_list *rl, struct replies *rp)
{
	struct ctlproto_buf in = {0};
	size_t sent = 0;
	bool shut = false;
	char chunk[65536];

	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t r;

		if (!shut && sent == rl->text.len) {
			shutdown(fd, SHUT_WR);
			shut = true;
		}
		if (!shut)
			p.events |= POLLOUT;
		if (poll(&p, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("vxtapctl: poll");
			exit(1);
		}
		if (!shut && (p.revents & POLLOUT)) {
			r = send(fd, rl->text.data + sent, rl->text.len - sent, MSG_NOSIGNAL);
			if (r > 0)
				sent += (size_t)r;
			else if (r < 0 && errno != EAGAIN && errno != EINTR)
				shut = true; /* vxtap hung up; its last reply says why */
		}
		if ((p.revents & (POLLIN | POLLHUP | POLLERR)) == 0)
			continue;
		r = recv(fd, chunk, sizeof(chunk), 0);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r <= 0)
			break; /* closed (or reset after its last reply) */
		if (!ctlproto_buf_put(&in, chunk, (size_t)r))
			oom();
		size_t off = 0;
		for (char *nl; (nl = memchr(in.data + off, '\n', in.len - off)) != NULL;) {
			reply_line(rp, in.data + off, (size_t)(nl - (in.data + off)));
			off = (size_t)(nl - in.data) + 1;
		}
		ctlproto_buf_consume(&in, off);
	}
	ctlproto_buf_free(&in);
}

int main(int argc, char *argv[])
{
	const char *dev = "vxtap0", *sock = NULL, *batch = NULL;
	bool json = false;
	char path[CTLPATH_MAX];
	struct request_list rl = {0};
	struct replies rp = {.rl = &rl};
	bool in_subdir;
	int i, fd;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
		const char *a = argv[i], *v = NULL;
		int o = option(a, &v);

		if (o == 0)
			usage_error("unrecognized option '%s'", a);
		if (o == '-') {
			i++;
			break;
		}
		if (o == 'h') {
			fputs(help_text, stdout);
			return 0;
		}
		if (o == 'V') {
			printf("vxtapctl %s\n", VXTAP_VERSION);
			return 0;
		}
		if (o == 'j') {
			json = true;
			continue;
		}
		if (v == NULL) {
			if (i + 1 >= argc)
				usage_error("option '%s' requires an argument", a);
			v = argv[++i];
		}
		if (o == 'd') {
			dev = v;
			if (!dev_ok(dev))
				usage_error("--dev: \"%s\" is not a valid interface name", dev);
		} else if (o == 's') {
			sock = v;
			if (sock[0] == '\0')
				usage_error("--socket: \"\" is not a path");
		} else {
			batch = v;
		}
	}
	if (json && batch != NULL)
		usage_error("--json goes with a command, not --batch (write --json on its lines)");
	if (batch != NULL && i < argc)
		usage_error("--batch takes no command");
	if (batch == NULL && i == argc)
		usage_error("no command");
	if (sock == NULL) {
		if (!ctlpath_default(dev, path, &in_subdir)) {
			fputs("vxtapctl: the default socket path is too long; give --socket\n",
			      stderr);
			return 1;
		}
		sock = path;
	}

	if (batch != NULL) {
		rp.batch = true;
		batch_requests(batch, &rl);
	} else {
		command_request(argc - i, argv + i, json, &rl);
	}
	fd = connect_to(sock);
	exchange(fd, &rl, &rp);
	close(fd);
	if (fflush(stdout) != 0) {
		perror("vxtapctl: stdout");
		return 1;
	}
	ctlproto_buf_free(&rl.text);
	free(rl.lines);
	if (rp.done < rl.n) {
		fprintf(stderr, "vxtapctl: vxtap closed the connection after %zu of %zu replies\n",
			rp.done, rl.n);
		return 1;
	}
	return rp.errors > 0 ? 1 : 0;
}

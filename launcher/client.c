// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fnlaunch's commands that talk to fnlaunchd over its Unix socket
 * (libcurl): register, unregister, list, inspect, invoke, metrics, node.
 */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "client.h"
#include "codec.h"

#define DEFAULT_SOCKET "/run/fnlaunch/fnlaunchd.sock"

struct buf {
	char *p;
	size_t len;
};

static size_t collect(char *data, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;
	char *p = realloc(b->p, b->len + size * n + 1);

	if (!p)
		return 0;
	memcpy(p + b->len, data, size * n);
	b->p = p;
	b->len += size * n;
	b->p[b->len] = 0;
	return size * n;
}

static const char *socket_path(const char *opt)
{
	const char *env = getenv("FNLAUNCH_SOCKET");

	return opt ? opt : env && *env ? env : DEFAULT_SOCKET;
}

/*
 * @method @path with @body (NULL: none).  Returns the HTTP status with the
 * response in @out (free it), or -1 with the reason printed.
 */
static long http(const char *sock, const char *method, const char *path, const char *body,
		 struct buf *out)
{
	struct curl_slist *h = NULL;
	char url[512], cerr[CURL_ERROR_SIZE] = "";
	long status = -1;
	CURLcode rc;
	CURL *c;

	out->p = NULL;
	out->len = 0;
	c = curl_easy_init();
	if (!c) {
		fprintf(stderr, "fnlaunch: out of memory\n");
		return -1;
	}
	snprintf(url, sizeof(url), "http://localhost%s", path);
	curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, sock);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	/* connecting is quick or the daemon is stuck; an invocation may take long */
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	if (body) {
		h = curl_slist_append(h, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK)
		fprintf(stderr, "fnlaunch: %s: %s (is fnlaunchd running?)\n", sock,
			cerr[0] ? cerr : curl_easy_strerror(rc));
	else
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	if (status < 0) {
		free(out->p);
		out->p = NULL;
	}
	return status;
}

static struct json_object *parse(const struct buf *b)
{
	return b->p ? json_tokener_parse(b->p) : NULL;
}

/* A response other than 2xx: its "error" on stderr; returns 1. */
static int failed(const char *what, long status, const struct buf *b)
{
	struct json_object *o = parse(b), *e;

	if (o && json_object_object_get_ex(o, "error", &e))
		fprintf(stderr, "fnlaunch: %s: %s\n", what, json_object_get_string(e));
	else
		fprintf(stderr, "fnlaunch: %s: HTTP %ld: %s\n", what, status, b->p ? b->p : "");
	json_object_put(o);
	return 1;
}

static void print_json(const struct buf *b)
{
	struct json_object *o = parse(b);

	if (o)
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							       JSON_C_TO_STRING_NOSLASHESCAPE));
	else
		fputs(b->p ? b->p : "", stdout);
	json_object_put(o);
}

/* the function's name in a URL: what the daemon accepts needs no escaping */
static bool valid_name(const char *s)
{
	if (!*s || strlen(s) > 63)
		return false;
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-", *s))
			return false;
	return true;
}

static unsigned int seconds_ms(const char *cmd, const char *s)
{
	char *end;
	double t;

	errno = 0;
	t = strtod(s, &end);
	if (errno || *end || end == s || !(t > 0) || t > 86400) {
		fprintf(stderr, "fnlaunch: %s: --timeout: \"%s\" is not a number of seconds from 0.001 to 86400\n",
			cmd, s);
		exit(2);
	}
	return t * 1000 < 1 ? 1 : (unsigned int)(t * 1000);
}

static char *read_all(const char *file, size_t *len)
{
	FILE *f = strcmp(file, "-") ? fopen(file, "re") : stdin;
	struct buf b = { 0 };
	char chunk[65536];
	size_t n;

	if (!f) {
		fprintf(stderr, "fnlaunch: %s: %s\n", file, strerror(errno));
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (!collect(chunk, 1, n, &b)) {
			fprintf(stderr, "fnlaunch: out of memory\n");
			break;
		}
	if (ferror(f)) {
		fprintf(stderr, "fnlaunch: %s: %s\n", file, strerror(errno));
		free(b.p);
		b.p = NULL;
	}
	if (f != stdin)
		fclose(f);
	*len = b.len;
	return b.p ? b.p : strdup("");
}

enum {
	OPT_SOCKET = 0x100, OPT_MODE, OPT_CONCURRENCY, OPT_TIMEOUT, OPT_NO_FALLBACK, OPT_JSON,
	OPT_STDIN, OPT_WARM_POOL, OPT_HELP,
};

static const struct option client_opts[] = {
	{ "socket", required_argument, NULL, OPT_SOCKET },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "concurrency", required_argument, NULL, OPT_CONCURRENCY },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "no-fallback", no_argument, NULL, OPT_NO_FALLBACK },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "stdin", required_argument, NULL, OPT_STDIN },
	{ "warm-pool", required_argument, NULL, OPT_WARM_POOL },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

/* which options each command takes */
static const struct {
	const char *cmd;
	const char *opts;	/* OPT_* - OPT_SOCKET as letters 'a'.. */
	int min_args, max_args;	/* -1: any */
} commands[] = {
	{ "register", "abcdeh", 2, 2 },
	{ "unregister", "a", 1, 1 },
	{ "list", "af", 0, 0 },
	{ "inspect", "a", 1, 1 },
	{ "invoke", "adfg", 1, -1 },
	{ "metrics", "a", 0, 0 },
	{ "node", "a", 0, 0 },
};

bool client_is_command(const char *cmd)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].cmd, cmd))
			return true;
	return false;
}

static int usage_error(const char *cmd, const char *msg, const char *arg)
{
	fprintf(stderr, "fnlaunch: %s: %s%s%s\n", cmd, msg, arg ? " " : "", arg ? arg : "");
	fprintf(stderr, "see fnlaunch --help\n");
	return 2;
}

/* the instance's stream @key of the answer @o to @f, decoded */
static void put_stream(struct json_object *o, const char *key, FILE *f)
{
	struct json_object *x, *enc;
	char ekey[32];

	if (!json_object_object_get_ex(o, key, &x))
		return;
	snprintf(ekey, sizeof(ekey), "%s_encoding", key);
	if (!json_object_object_get_ex(o, ekey, &enc)) {
		fwrite(json_object_get_string(x), 1, json_object_get_string_len(x), f);
		return;
	}
	/* base64 */
	{
		size_t n;
		char *bytes = lnch_unbase64(json_object_get_string(x), &n);

		if (!bytes) {
			fprintf(stderr, "fnlaunch: the daemon's %s is not base64\n", key);
			return;
		}
		fwrite(bytes, 1, n, f);
		free(bytes);
	}
}

static int invoke_status(const char *name, struct json_object *resp)
{
	struct json_object *r, *x;

	if (!json_object_object_get_ex(resp, "result", &r))
		return 125;
	if (json_object_object_get_ex(r, "fallback", &x))
		fprintf(stderr, "fnlaunch: %s: container mode: %s\n", name, json_object_get_string(x));
	if (json_object_object_get_ex(r, "error", &x))
		fprintf(stderr, "fnlaunch: %s: %s\n", name, json_object_get_string(x));
	if (!json_object_object_get_ex(r, "started", &x) || !json_object_get_boolean(x))
		return 125;
	if (json_object_object_get_ex(r, "timed_out", &x) && json_object_get_boolean(x)) {
		fprintf(stderr, "fnlaunch: %s: killed at its timeout\n", name);
		return 124;
	}
	if (json_object_object_get_ex(r, "oom_killed", &x) && json_object_get_boolean(x))
		fprintf(stderr, "fnlaunch: %s: the instance ran out of memory\n", name);
	if (json_object_object_get_ex(r, "exit_code", &x))
		return json_object_get_int(x);
	if (json_object_object_get_ex(r, "signal", &x))
		return 128 + json_object_get_int(x);
	return 125;
}

int client_main(int argc, char **argv)
{
	const char *cmd = argv[0], *sock = NULL, *stdin_file = NULL, *mode = NULL;
	struct json_object *req = json_object_new_object();
	unsigned int timeout_ms = 0, concurrency = 0;
	long warm_pool = -1;
	bool json = false, no_fallback = false;
	char path[256];
	struct buf b;
	size_t ci = 0;
	long status;
	int c, nargs, ret = 0;

	while (strcmp(commands[ci].cmd, cmd))
		ci++;
	while ((c = getopt_long(argc, argv, "+", client_opts, NULL)) != -1) {
		if (c == OPT_HELP) {
			json_object_put(req);
			return -1;	/* the caller prints the usage */
		}
		if (c == '?' || !strchr(commands[ci].opts, 'a' + (c - OPT_SOCKET))) {
			json_object_put(req);
			return usage_error(cmd, "an option this command does not take", NULL);
		}
		switch (c) {
		case OPT_SOCKET:
			sock = optarg;
			break;
		case OPT_MODE:
			mode = optarg;
			if (strcmp(mode, "auto") && strcmp(mode, "process") && strcmp(mode, "container")) {
				json_object_put(req);
				return usage_error(cmd, "--mode: expected auto, process or container, not",
						   optarg);
			}
			break;
		case OPT_CONCURRENCY:
		case OPT_WARM_POOL: {
			bool pool = c == OPT_WARM_POOL;
			char *end;
			unsigned long v;

			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg || optarg[0] == '-' || (!v && !pool) ||
			    v > (pool ? 1024 : 65536)) {
				json_object_put(req);
				return usage_error(cmd, pool ? "--warm-pool: expected 0 to 1024, not" :
						   "--concurrency: expected 1 to 65536, not", optarg);
			}
			if (pool)
				warm_pool = v;
			else
				concurrency = v;
			break;
		}
		case OPT_TIMEOUT:
			timeout_ms = seconds_ms(cmd, optarg);
			break;
		case OPT_NO_FALLBACK:
			no_fallback = true;
			break;
		case OPT_JSON:
			json = true;
			break;
		case OPT_STDIN:
			stdin_file = optarg;
			break;
		}
	}
	nargs = argc - optind;
	if (nargs < commands[ci].min_args ||
	    (commands[ci].max_args >= 0 && nargs > commands[ci].max_args)) {
		json_object_put(req);
		return usage_error(cmd, "wrong number of arguments", NULL);
	}
	if (commands[ci].min_args && !valid_name(argv[optind])) {
		json_object_put(req);
		return usage_error(cmd, "not a function name (1 to 63 of A-Z a-z 0-9 _ . -):",
				   argv[optind]);
	}
	sock = socket_path(sock);

	if (!strcmp(cmd, "register")) {
		char *abs = realpath(argv[optind + 1], NULL);

		if (!abs) {
			fprintf(stderr, "fnlaunch: register: %s: %s\n", argv[optind + 1],
				strerror(errno));
			json_object_put(req);
			return 1;
		}
		json_object_object_add(req, "name", json_object_new_string(argv[optind]));
		json_object_object_add(req, "bundle", json_object_new_string(abs));
		free(abs);
		if (mode)
			json_object_object_add(req, "mode", json_object_new_string(mode));
		if (concurrency)
			json_object_object_add(req, "concurrency", json_object_new_int64(concurrency));
		if (timeout_ms)
			json_object_object_add(req, "timeout_ms", json_object_new_int64(timeout_ms));
		if (no_fallback)
			json_object_object_add(req, "no_fallback", json_object_new_boolean(true));
		if (warm_pool >= 0)
			json_object_object_add(req, "warm_pool", json_object_new_int64(warm_pool));
		status = http(sock, "POST", "/v1/functions", json_object_to_json_string(req), &b);
		if (status < 0) {
			ret = 1;
		} else if (status != 201) {
			ret = failed("register", status, &b);
		} else {
			struct json_object *o = parse(&b), *m, *fb;

			if (o && json_object_object_get_ex(o, "mode", &m))
				printf("%s: registered, %s mode%s%s\n", argv[optind],
				       json_object_get_string(m),
				       json_object_object_get_ex(o, "fallback", &fb) ? ": " : "",
				       json_object_object_get_ex(o, "fallback", &fb) ?
					       json_object_get_string(fb) : "");
			json_object_put(o);
		}
	} else if (!strcmp(cmd, "unregister") || !strcmp(cmd, "inspect")) {
		bool del = cmd[0] == 'u';

		snprintf(path, sizeof(path), "/v1/functions/%s", argv[optind]);
		status = http(sock, del ? "DELETE" : "GET", path, NULL, &b);
		if (status < 0)
			ret = 1;
		else if (status != 200)
			ret = failed(cmd, status, &b);
		else if (del)
			printf("%s: unregistered\n", argv[optind]);
		else
			print_json(&b);
	} else if (!strcmp(cmd, "list")) {
		status = http(sock, "GET", "/v1/functions", NULL, &b);
		if (status < 0) {
			ret = 1;
		} else if (status != 200) {
			ret = failed(cmd, status, &b);
		} else if (json) {
			print_json(&b);
		} else {
			struct json_object *o = parse(&b), *a;

			printf("%-24s %-9s %7s %7s %11s  %s\n", "NAME", "MODE", "RUNNING", "WAITING",
			       "INVOCATIONS", "BUNDLE");
			if (o && json_object_object_get_ex(o, "functions", &a))
				for (size_t i = 0; i < json_object_array_length(a); i++) {
					struct json_object *f = json_object_array_get_idx(a, i), *v[6];
					static const char *const k[] = { "name", "mode", "running",
									 "waiting", "invocations",
									 "bundle" };

					for (int j = 0; j < 6; j++)
						json_object_object_get_ex(f, k[j], &v[j]);
					printf("%-24s %-9s %7s %7s %11s  %s\n",
					       json_object_get_string(v[0]), json_object_get_string(v[1]),
					       json_object_get_string(v[2]), json_object_get_string(v[3]),
					       json_object_get_string(v[4]), json_object_get_string(v[5]));
				}
			json_object_put(o);
		}
	} else if (!strcmp(cmd, "metrics") || !strcmp(cmd, "node")) {
		status = http(sock, "GET", cmd[0] == 'm' ? "/metrics" : "/v1/node", NULL, &b);
		if (status < 0)
			ret = 1;
		else if (status != 200)
			ret = failed(cmd, status, &b);
		else if (cmd[0] == 'm')
			fputs(b.p ? b.p : "", stdout);
		else
			print_json(&b);
	} else {	/* invoke */
		const char *name = argv[optind];
		struct json_object *o, *x;

		if (stdin_file) {
			size_t len;
			char *in = read_all(stdin_file, &len);

			if (!in) {
				json_object_put(req);
				return 125;
			}
			/* JSON strings are UTF-8: other bytes go as base64 */
			if (lnch_valid_utf8((unsigned char *)in, len)) {
				json_object_object_add(req, "stdin", json_object_new_string_len(in, len));
			} else {
				char *b64 = lnch_base64((unsigned char *)in, len);

				if (!b64) {
					fprintf(stderr, "fnlaunch: out of memory\n");
					free(in);
					json_object_put(req);
					return 125;
				}
				json_object_object_add(req, "stdin_base64", json_object_new_string(b64));
				free(b64);
			}
			free(in);
		}
		if (nargs > 1) {
			struct json_object *a = json_object_new_array();

			for (int i = optind + 1; i < argc; i++)
				json_object_array_add(a, json_object_new_string(argv[i]));
			json_object_object_add(req, "args", a);
		}
		if (timeout_ms)
			json_object_object_add(req, "timeout_ms", json_object_new_int64(timeout_ms));
		snprintf(path, sizeof(path), "/v1/functions/%s/invoke", name);
		status = http(sock, "POST", path, json_object_to_json_string(req), &b);
		json_object_put(req);
		if (status < 0)
			return 125;
		o = parse(&b);
		if (json) {
			print_json(&b);
		} else if (o) {
			put_stream(o, "stdout", stdout);
			put_stream(o, "stderr", stderr);
		}
		fflush(stdout);
		if (status == 503) {
			/* back-pressure: a caller may retry */
			failed("invoke", status, &b);
			ret = 75;
		} else if (status != 200 && !(o && json_object_object_get_ex(o, "result", &x))) {
			failed("invoke", status, &b);
			ret = 125;
		} else {
			ret = invoke_status(name, o);
		}
		json_object_put(o);
		free(b.p);
		return ret;
	}
	json_object_put(req);
	free(b.p);
	return ret;
}

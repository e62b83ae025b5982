// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fnlaunchd: the function launcher's daemon.  It keeps functions
 * registered from OCI bundles open (gate, filter and cgroup prepared once:
 * lnch_function_open()), starts their instances on request
 * (lnch_function_invoke()) within per-function and node-wide limits, and
 * serves a small HTTP/JSON API on a Unix socket with libmicrohttpd:
 *
 *   GET    /v1/node                     what the kernel gives, the limits
 *   GET    /v1/functions                the registered functions
 *   POST   /v1/functions                register {"name", "bundle", ...}
 *   GET    /v1/functions/NAME           inspect: the verdict, counters
 *   DELETE /v1/functions/NAME           unregister
 *   POST   /v1/functions/NAME/invoke    {"stdin", "args", "timeout_ms"}
 *   GET    /metrics                     Prometheus text format
 *
 * See fnlaunchd(8).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <limits.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "codec.h"
#include "launcher.h"

#define DEFAULT_SOCKET		"/run/fnlaunch/fnlaunchd.sock"
#define DEFAULT_STATE_DIR	"/var/lib/fnlaunch"
#define MAX_BODY		(4u << 20)	/* a request's JSON */
#define MAX_OUTPUT		(1u << 20)	/* stdout, stderr returned per invocation */
#define MAX_NAME		63
#define MAX_POOL		64	/* a function's warm pool, at most */
#define STOP_WAIT_S		30	/* SIGTERM: how long running invocations get */
#define EXIT_BAD		2

/* the cold-start histogram's upper bounds, in seconds (Prometheus "le") */
static const double buckets[] = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
				  1, 2.5 };
#define NR_BUCKETS (sizeof(buckets) / sizeof(buckets[0]))

struct function {
	struct function *next;
	char name[MAX_NAME + 1];
	char *bundle;
	struct lnch_function *fn;
	enum lnch_mode mode;
	const char *fallback;		/* owned by fn */
	char *fallback_rule;		/* the gate's first reason, for the metrics */
	char *verdict_json;
	unsigned int concurrency;
	unsigned int timeout_ms;
	unsigned int warm_pool;
	bool pool_failing;		/* the last refill failed (said once) */
	struct timespec pool_retry;	/* after a failure: not before (CLOCK_MONOTONIC) */
	unsigned int pool_backoff_ms;
	unsigned int running, waiting;
	unsigned int refs;		/* the registry's, and one per request using it */
	uint64_t invocations, failed, rejected;
};

static struct {
	const char *socket_path;
	struct lnch_run_opts ro;
	unsigned int max_instances, max_queue, queue_ms, warm_pool, max_functions;
	struct lnch_probe probe;
	pthread_mutex_t lock;		/* everything below */
	pthread_cond_t cond;		/* an instance ended, or a function went */
	pthread_mutex_t open_lock;	/* lnch_function_open(): one at a time */
	const char *state_dir;		/* registrations kept here; NULL: none */
	pthread_mutex_t state_lock;	/* its files, with the registry's changes */
	struct function *functions;
	unsigned int running, waiting;
	pthread_cond_t pool_cond;	/* an instance ended, a function came, or stop */
	bool pool_kick, stopping;
	bool draining;			/* SIGTERM: admit nothing more */
	unsigned int answering;		/* invocations not yet answered (sent) */
	unsigned int nr_functions;
	/* metrics */
	uint64_t started[3];		/* by enum lnch_mode */
	uint64_t not_started, timed_out, oom_killed, rejected;
	uint64_t cancelled;		/* the client went away */
	uint64_t hist[NR_BUCKETS + 1];	/* cold starts (execve) by bucket; the last: +Inf */
	double hist_sum;
	uint64_t hist_count;
	struct fallback_count {
		char rule[64];
		uint64_t n;
	} fallbacks[32];
	unsigned int nr_fallbacks;
} d = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
	.pool_cond = PTHREAD_COND_INITIALIZER,
	.open_lock = PTHREAD_MUTEX_INITIALIZER,
	.state_lock = PTHREAD_MUTEX_INITIALIZER,
	.state_dir = DEFAULT_STATE_DIR,
};

static bool verbose;

/* one line on stderr, in one write: threads' lines do not interleave */
static void __attribute__((format(printf, 1, 2))) logf_(const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	int n;

	n = snprintf(line, sizeof(line), "fnlaunchd: ");
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	va_end(ap);
	n = strlen(line);
	line[n++] = '\n';
	if (write(2, line, n) < 0)
		return;
}

/* CLOCK_MONOTONIC (the condition variables' clock), @ms from now */
static struct timespec deadline(unsigned int ms)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += (ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

static const char *mode_name(enum lnch_mode m)
{
	return m == LNCH_MODE_PROCESS ? "process" : m == LNCH_MODE_CONTAINER ? "container" : "auto";
}

/* ---- the registry ---- */

static struct function *find_locked(const char *name)
{
	for (struct function *f = d.functions; f; f = f->next)
		if (!strcmp(f->name, name))
			return f;
	return NULL;
}

static struct function *get(const char *name)
{
	struct function *f;

	pthread_mutex_lock(&d.lock);
	f = find_locked(name);
	if (f)
		f->refs++;
	pthread_mutex_unlock(&d.lock);
	return f;
}

static void free_function(struct function *f)
{
	lnch_function_close(f->fn);
	free(f->bundle);
	free(f->fallback_rule);
	free(f->verdict_json);
	free(f);
}

static void put(struct function *f)
{
	bool last;

	pthread_mutex_lock(&d.lock);
	last = --f->refs == 0;
	pthread_mutex_unlock(&d.lock);
	/* the last reference closes it: no instance of it runs any more */
	if (last)
		free_function(f);
}

static bool valid_name(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > MAX_NAME || s[0] == '.' || s[0] == '-')
		return false;
	for (; *s; s++)
		if (!(*s >= 'a' && *s <= 'z') && !(*s >= 'A' && *s <= 'Z') &&
		    !(*s >= '0' && *s <= '9') && *s != '_' && *s != '.' && *s != '-')
			return false;
	return true;
}

/* ---- responses ---- */

struct request {
	char *body;
	size_t len;
	bool too_big;
	bool invoke;			/* counted in d.answering until completed() */
};

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int status, const char *type,
			     char *text)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (!text)
		return MHD_NO;
	r = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply_json(struct MHD_Connection *c, unsigned int status,
				  struct json_object *o)
{
	char *s = o ? strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN)) : NULL;
	char *nl = s ? malloc(strlen(s) + 2) : NULL;

	json_object_put(o);
	if (!nl) {
		free(s);
		return MHD_NO;
	}
	sprintf(nl, "%s\n", s);
	free(s);
	return reply(c, status, "application/json", nl);
}

/* {"error": MESSAGE} */
static struct json_object *verror_json(const char *fmt, va_list ap)
{
	struct json_object *o = json_object_new_object();
	char msg[2048];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (o)
		json_object_object_add(o, "error", json_object_new_string(msg));
	return o;
}

static struct json_object *__attribute__((format(printf, 1, 2))) error_json(const char *fmt, ...)
{
	struct json_object *o;
	va_list ap;

	va_start(ap, fmt);
	o = verror_json(fmt, ap);
	va_end(ap);
	return o;
}

static enum MHD_Result __attribute__((format(printf, 3, 4)))
reply_error(struct MHD_Connection *c, unsigned int status, const char *fmt, ...)
{
	struct json_object *o, *e;
	va_list ap;

	va_start(ap, fmt);
	o = verror_json(fmt, ap);
	va_end(ap);
	if (verbose && o && json_object_object_get_ex(o, "error", &e))
		logf_("%u: %s", status, json_object_get_string(e));
	return reply_json(c, status, o);
}

/* @s parsed as JSON: an object, or NULL with the reason in @why */
static struct json_object *parse_body(const struct request *rq, char *why, size_t len)
{
	struct json_tokener *tok;
	struct json_object *o;

	if (!rq->len) {
		snprintf(why, len, "the request has no body: a JSON object is expected");
		return NULL;
	}
	tok = json_tokener_new();
	if (!tok) {
		snprintf(why, len, "out of memory");
		return NULL;
	}
	/* what is echoed back (names, paths) stays valid JSON */
	json_tokener_set_flags(tok, JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, rq->body, rq->len);
	if (!o || json_tokener_get_parse_end(tok) != rq->len) {
		snprintf(why, len, "malformed JSON at byte %zu: %s", json_tokener_get_parse_end(tok),
			 o ? "data after the object" :
			 json_tokener_error_desc(json_tokener_get_error(tok)));
		json_object_put(o);
		o = NULL;
	} else if (!json_object_is_type(o, json_type_object)) {
		snprintf(why, len, "expected a JSON object, not %s",
			 json_type_to_name(json_object_get_type(o)));
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

/* Every key of @o must be in @known (NULL-terminated). */
static bool known_keys(struct json_object *o, const char *const *known, char *why, size_t len)
{
	json_object_object_foreach(o, key, val) {
		bool ok = false;

		(void)val;
		for (int i = 0; known[i]; i++)
			ok |= !strcmp(key, known[i]);
		if (!ok) {
			snprintf(why, len, "unknown field \"%s\"", key);
			return false;
		}
	}
	return true;
}

/* An optional integer field in [lo, hi]: 0 (absent or valid), -1 (bad, @why set). */
static int uint_field(struct json_object *o, const char *key, int64_t lo, int64_t hi,
		      unsigned int *out, char *why, size_t len)
{
	struct json_object *v;
	int64_t n;

	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_int)) {
		snprintf(why, len, "%s: expected an integer, not %s", key,
			 json_type_to_name(json_object_get_type(v)));
		return -1;
	}
	errno = 0;
	n = json_object_get_int64(v);
	if (errno || n < lo || n > hi) {
		snprintf(why, len, "%s: %s is outside %lld..%lld", key, json_object_to_json_string(v),
			 (long long)lo, (long long)hi);
		return -1;
	}
	*out = n;
	return 0;
}

/* ---- GET /v1/node, GET /metrics ---- */

static enum MHD_Result get_node(struct MHD_Connection *c)
{
	struct json_object *o = json_object_new_object(), *k = json_object_new_object();

	json_object_object_add(o, "version", json_object_new_string(lnch_version()));
	json_object_object_add(k, "batch_cgroups", json_object_new_boolean(d.probe.batch_cgroups));
	json_object_object_add(k, "seccomp_ebpf", json_object_new_boolean(d.probe.seccomp_ebpf));
	json_object_object_add(k, "landlock_abi", json_object_new_int(d.probe.landlock_abi));
	json_object_object_add(k, "crun", json_object_new_boolean(d.probe.crun));
	if (d.probe.cgroup_note[0])
		json_object_object_add(k, "cgroup_note", json_object_new_string(d.probe.cgroup_note));
	if (d.probe.filter_note[0])
		json_object_object_add(k, "filter_note", json_object_new_string(d.probe.filter_note));
	json_object_object_add(o, "kernel", k);
	json_object_object_add(o, "max_instances", json_object_new_int64(d.max_instances));
	json_object_object_add(o, "max_queue", json_object_new_int64(d.max_queue));
	json_object_object_add(o, "queue_timeout_ms", json_object_new_int64(d.queue_ms));
	pthread_mutex_lock(&d.lock);
	json_object_object_add(o, "running", json_object_new_int64(d.running));
	json_object_object_add(o, "waiting", json_object_new_int64(d.waiting));
	pthread_mutex_unlock(&d.lock);
	return reply_json(c, MHD_HTTP_OK, o);
}

/* Prometheus label values: \, " and newline escaped */
static void label(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

/* fnlaunch_pool_ready (or _used) of each process-mode function; under d.lock */
static void pool_gauge(FILE *f, bool used)
{
	const char *name = used ? "fnlaunch_pool_used" : "fnlaunch_pool_ready";

	fprintf(f, "# HELP %s %s, by function.\n# TYPE %s gauge\n", name,
		used ? "Ended instances' cgroups awaiting removal in a batch" :
		       "Instance cgroups made ahead and ready", name);
	for (struct function *fn = d.functions; fn; fn = fn->next) {
		unsigned int n[2];

		if (fn->mode != LNCH_MODE_PROCESS)
			continue;
		lnch_function_pool(fn->fn, &n[0], &n[1]);
		fprintf(f, "%s{function=\"%s\"} %u\n", name, fn->name, n[used]);
	}
}

static enum MHD_Result get_metrics(struct MHD_Connection *c)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	uint64_t cum = 0;

	if (!f)
		return MHD_NO;
	pthread_mutex_lock(&d.lock);
	fprintf(f, "# HELP fnlaunch_instances_started_total Instances whose function started, by mode.\n"
		   "# TYPE fnlaunch_instances_started_total counter\n");
	fprintf(f, "fnlaunch_instances_started_total{mode=\"process\"} %llu\n",
		(unsigned long long)d.started[LNCH_MODE_PROCESS]);
	fprintf(f, "fnlaunch_instances_started_total{mode=\"container\"} %llu\n",
		(unsigned long long)d.started[LNCH_MODE_CONTAINER]);
	fprintf(f, "# HELP fnlaunch_instances_failed_total Invocations whose instance did not start.\n"
		   "# TYPE fnlaunch_instances_failed_total counter\n"
		   "fnlaunch_instances_failed_total %llu\n", (unsigned long long)d.not_started);
	fprintf(f, "# HELP fnlaunch_instances_timed_out_total Instances killed at their timeout.\n"
		   "# TYPE fnlaunch_instances_timed_out_total counter\n"
		   "fnlaunch_instances_timed_out_total %llu\n", (unsigned long long)d.timed_out);
	fprintf(f, "# HELP fnlaunch_instances_oom_killed_total Instances that saw an OOM kill.\n"
		   "# TYPE fnlaunch_instances_oom_killed_total counter\n"
		   "fnlaunch_instances_oom_killed_total %llu\n", (unsigned long long)d.oom_killed);
	fprintf(f, "# HELP fnlaunch_invocations_rejected_total Invocations refused because the node's or the function's limits and the queue were full.\n"
		   "# TYPE fnlaunch_invocations_rejected_total counter\n"
		   "fnlaunch_invocations_rejected_total %llu\n", (unsigned long long)d.rejected);
	fprintf(f, "# HELP fnlaunch_invocations_cancelled_total Invocations whose client went away: a waiting one left the queue, a running one's instance was killed.\n"
		   "# TYPE fnlaunch_invocations_cancelled_total counter\n"
		   "fnlaunch_invocations_cancelled_total %llu\n", (unsigned long long)d.cancelled);
	fprintf(f, "# HELP fnlaunch_fallbacks_total Instances run in container mode because the gate could not verify their function, by the gate's first reason.\n"
		   "# TYPE fnlaunch_fallbacks_total counter\n");
	for (unsigned int i = 0; i < d.nr_fallbacks; i++) {
		fprintf(f, "fnlaunch_fallbacks_total{reason=\"");
		label(f, d.fallbacks[i].rule);
		fprintf(f, "\"} %llu\n", (unsigned long long)d.fallbacks[i].n);
	}
	fprintf(f, "# HELP fnlaunch_cold_start_seconds Process mode: from the invocation's start to the function's execve().\n"
		   "# TYPE fnlaunch_cold_start_seconds histogram\n");
	for (unsigned int i = 0; i < NR_BUCKETS; i++) {
		cum += d.hist[i];
		fprintf(f, "fnlaunch_cold_start_seconds_bucket{le=\"%g\"} %llu\n", buckets[i],
			(unsigned long long)cum);
	}
	fprintf(f, "fnlaunch_cold_start_seconds_bucket{le=\"+Inf\"} %llu\n",
		(unsigned long long)d.hist_count);
	fprintf(f, "fnlaunch_cold_start_seconds_sum %.9f\n", d.hist_sum);
	fprintf(f, "fnlaunch_cold_start_seconds_count %llu\n", (unsigned long long)d.hist_count);
	fprintf(f, "# HELP fnlaunch_instances_running Instances running now.\n"
		   "# TYPE fnlaunch_instances_running gauge\n"
		   "fnlaunch_instances_running %u\n", d.running);
	fprintf(f, "# HELP fnlaunch_invocations_waiting Invocations queued for a free slot.\n"
		   "# TYPE fnlaunch_invocations_waiting gauge\n"
		   "fnlaunch_invocations_waiting %u\n", d.waiting);
	fprintf(f, "# HELP fnlaunch_instance_slots_free Instances the node may still start (max_instances - running).\n"
		   "# TYPE fnlaunch_instance_slots_free gauge\n"
		   "fnlaunch_instance_slots_free %u\n", d.max_instances - d.running);
	pool_gauge(f, false);
	pool_gauge(f, true);
	fprintf(f, "# HELP fnlaunch_functions Registered functions, by mode.\n"
		   "# TYPE fnlaunch_functions gauge\n");
	for (int m = LNCH_MODE_PROCESS; m <= LNCH_MODE_CONTAINER; m++) {
		unsigned int n = 0;

		for (struct function *fn = d.functions; fn; fn = fn->next)
			n += fn->mode == (enum lnch_mode)m;
		fprintf(f, "fnlaunch_functions{mode=\"%s\"} %u\n", mode_name(m), n);
	}
	pthread_mutex_unlock(&d.lock);
	if (fclose(f)) {
		free(text);
		return MHD_NO;
	}
	return reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4", text);
}

/* ---- the functions ---- */

static struct json_object *function_json(const struct function *f, bool full)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(f->name));
	json_object_object_add(o, "bundle", json_object_new_string(f->bundle));
	json_object_object_add(o, "mode", json_object_new_string(mode_name(f->mode)));
	if (f->fallback)
		json_object_object_add(o, "fallback", json_object_new_string(f->fallback));
	json_object_object_add(o, "concurrency", json_object_new_int64(f->concurrency));
	json_object_object_add(o, "timeout_ms", json_object_new_int64(f->timeout_ms));
	json_object_object_add(o, "running", json_object_new_int64(f->running));
	json_object_object_add(o, "waiting", json_object_new_int64(f->waiting));
	json_object_object_add(o, "invocations", json_object_new_int64(f->invocations));
	json_object_object_add(o, "failed", json_object_new_int64(f->failed));
	json_object_object_add(o, "rejected", json_object_new_int64(f->rejected));
	if (f->mode == LNCH_MODE_PROCESS) {
		unsigned int ready, used;

		lnch_function_pool(f->fn, &ready, &used);
		json_object_object_add(o, "warm_pool", json_object_new_int64(f->warm_pool));
		json_object_object_add(o, "pool_ready", json_object_new_int64(ready));
		json_object_object_add(o, "pool_used", json_object_new_int64(used));
	}
	if (full && f->verdict_json)
		json_object_object_add(o, "verdict", json_tokener_parse(f->verdict_json));
	return o;
}

static enum MHD_Result list_functions(struct MHD_Connection *c)
{
	struct json_object *a = json_object_new_array(), *o = json_object_new_object();

	pthread_mutex_lock(&d.lock);
	for (struct function *f = d.functions; f; f = f->next)
		json_object_array_add(a, function_json(f, false));
	pthread_mutex_unlock(&d.lock);
	json_object_object_add(o, "functions", a);
	return reply_json(c, MHD_HTTP_OK, o);
}

static enum MHD_Result inspect(struct MHD_Connection *c, const char *name)
{
	struct function *f;
	struct json_object *o;

	pthread_mutex_lock(&d.lock);
	f = find_locked(name);
	o = f ? function_json(f, true) : NULL;
	pthread_mutex_unlock(&d.lock);
	if (!o)
		return reply_error(c, MHD_HTTP_NOT_FOUND, "no function \"%s\" is registered", name);
	return reply_json(c, MHD_HTTP_OK, o);
}

/* ---- registrations kept across restarts: STATE_DIR/NAME.json ---- */

/* Keep @o, the registration of @name, in the state directory: 0 or -errno. */
static int state_write(const char *name, struct json_object *o)
{
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	char path[PATH_MAX], tmp[PATH_MAX];
	size_t len = strlen(text), off = 0;
	int fd, ret = 0;

	if (!d.state_dir)
		return 0;
	snprintf(path, sizeof(path), "%s/%s.json", d.state_dir, name);
	/* never a function's name: they do not start with a dot */
	snprintf(tmp, sizeof(tmp), "%s/.%s.json.tmp", d.state_dir, name);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			break;
		}
		off += n;
	}
	if (!ret && (write(fd, "\n", 1) != 1 || fsync(fd)))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	/* a crash leaves the old file or the new one, never half of one */
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}

static int state_remove(const char *name)
{
	char path[PATH_MAX];

	if (!d.state_dir)
		return 0;
	snprintf(path, sizeof(path), "%s/%s.json", d.state_dir, name);
	return unlink(path) && errno != ENOENT ? -errno : 0;
}

static enum MHD_Result unregister(struct MHD_Connection *c, const char *name)
{
	struct function *f, **pp;
	int err = 0;

	pthread_mutex_lock(&d.state_lock);
	pthread_mutex_lock(&d.lock);
	for (pp = &d.functions; *pp && strcmp((*pp)->name, name); pp = &(*pp)->next)
		;
	unsigned int running = 0;

	f = *pp;
	if (f) {
		*pp = f->next;
		d.nr_functions--;
		running = f->running;
	}
	/* its queued invocations see it gone */
	pthread_cond_broadcast(&d.cond);
	pthread_mutex_unlock(&d.lock);
	if (f)
		err = state_remove(name);
	pthread_mutex_unlock(&d.state_lock);
	if (!f)
		return reply_error(c, MHD_HTTP_NOT_FOUND, "no function \"%s\" is registered", name);
	if (err)
		logf_("%s: removing %s/%s.json: %s; a restarted daemon registers it again", name,
		      d.state_dir, name, strerror(-err));
	logf_("%s: unregistered%s", name, running ? "; its running instances finish first" : "");
	put(f);
	return reply_json(c, MHD_HTTP_OK, json_tokener_parse("{\"removed\":true}"));
}

/*
 * Register the function that @o (the body of a POST /v1/functions)
 * describes; @persist: keep it in the state directory, and refuse it if
 * it cannot be kept.  Returns the HTTP status, with the answer in *@resp
 * (NULL: out of memory).
 */
static unsigned int do_register(struct json_object *o, bool persist, struct json_object **resp)
{
	static const char *const known[] = { "name", "bundle", "mode", "concurrency", "timeout_ms",
					     "no_fallback", "warm_pool", NULL };
	struct lnch_run_opts ro = d.ro;
	struct lnch_verdict *v = NULL;
	struct json_object *x;
	struct function *f;
	char why[1024], *error = NULL, nm[MAX_NAME + 1];
	const char *name, *bundle;
	int ret;

	*resp = NULL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return MHD_HTTP_INTERNAL_SERVER_ERROR;
	f->concurrency = d.max_instances;
	f->warm_pool = d.warm_pool;
	if (!known_keys(o, known, why, sizeof(why)))
		goto bad;
	if (!json_object_object_get_ex(o, "name", &x) || !json_object_is_type(x, json_type_string) ||
	    !json_object_object_get_ex(o, "bundle", &x) || !json_object_is_type(x, json_type_string)) {
		snprintf(why, sizeof(why), "\"name\" and \"bundle\" are required strings");
		goto bad;
	}
	json_object_object_get_ex(o, "name", &x);
	name = json_object_get_string(x);
	if (!valid_name(name)) {
		snprintf(why, sizeof(why),
			 "name: \"%.80s\" is not 1 to %d of A-Z a-z 0-9 _ . - (not starting with . or -)",
			 name, MAX_NAME);
		goto bad;
	}
	snprintf(f->name, sizeof(f->name), "%s", name);
	json_object_object_get_ex(o, "bundle", &x);
	bundle = json_object_get_string(x);
	if (bundle[0] != '/') {
		snprintf(why, sizeof(why), "bundle: \"%.200s\" is not an absolute path", bundle);
		goto bad;
	}
	if (json_object_object_get_ex(o, "mode", &x)) {
		const char *m = json_object_is_type(x, json_type_string) ? json_object_get_string(x) : "";

		if (!strcmp(m, "auto"))
			ro.mode = LNCH_MODE_AUTO;
		else if (!strcmp(m, "process"))
			ro.mode = LNCH_MODE_PROCESS;
		else if (!strcmp(m, "container"))
			ro.mode = LNCH_MODE_CONTAINER;
		else {
			snprintf(why, sizeof(why), "mode: expected \"auto\", \"process\" or \"container\"");
			goto bad;
		}
	}
	if (json_object_object_get_ex(o, "no_fallback", &x)) {
		if (!json_object_is_type(x, json_type_boolean)) {
			snprintf(why, sizeof(why), "no_fallback: expected true or false");
			goto bad;
		}
		if (json_object_get_boolean(x))
			ro.flags |= LNCH_RUN_NO_FALLBACK;
	}
	if (uint_field(o, "concurrency", 1, d.max_instances, &f->concurrency, why, sizeof(why)) ||
	    uint_field(o, "timeout_ms", 0, 24 * 3600 * 1000, &f->timeout_ms, why, sizeof(why)) ||
	    uint_field(o, "warm_pool", 0, MAX_POOL, &f->warm_pool, why, sizeof(why)))
		goto bad;
	f->bundle = strdup(bundle);
	if (!f->bundle)
		goto nomem;
	ro.name = f->name;
	ro.timeout_ms = f->timeout_ms;
	ro.warm_pool = f->warm_pool;

	snprintf(nm, sizeof(nm), "%s", f->name);
	pthread_mutex_lock(&d.lock);
	ret = find_locked(f->name) ? -EEXIST : d.nr_functions >= d.max_functions ? -ENOSPC : 0;
	pthread_mutex_unlock(&d.lock);
	if (ret)
		goto taken;

	pthread_mutex_lock(&d.open_lock);
	ret = lnch_function_open(f->bundle, &ro, &f->fn, &v, &error);
	pthread_mutex_unlock(&d.open_lock);
	if (ret) {
		*resp = error_json("%s", error ? error : strerror(-ret));
		if (v && *resp) {
			char *vj = lnch_verdict_json(v);

			if (vj)
				json_object_object_add(*resp, "verdict", json_tokener_parse(vj));
			free(vj);
		}
		logf_("%s: not registered: %s", f->name, error ? error : strerror(-ret));
		free(error);
		lnch_verdict_free(v);
		free_function(f);
		/* refused for what the bundle asks on this node: 422; else the node failed */
		return ret == -EINVAL || ret == -EPERM || ret == -EOPNOTSUPP || ret == -ENOLINK ||
		       ret == -E2BIG ? MHD_HTTP_UNPROCESSABLE_CONTENT : MHD_HTTP_INTERNAL_SERVER_ERROR;
	}
	f->mode = lnch_function_mode(f->fn, &f->fallback);
	f->verdict_json = lnch_verdict_json(lnch_function_verdict(f->fn));
	if (!f->verdict_json)
		goto nomem;
	if (f->fallback) {
		const struct lnch_verdict *fv = lnch_function_verdict(f->fn);

		f->fallback_rule = strdup(fv->nr_reasons ? fv->reasons[0].rule : "unverifiable");
		if (!f->fallback_rule)
			goto nomem;
	}
	f->refs = 1;
	/* the state file changes with the registry: unregister() takes it too */
	pthread_mutex_lock(&d.state_lock);
	pthread_mutex_lock(&d.lock);
	ret = find_locked(f->name) ? -EEXIST : d.nr_functions >= d.max_functions ? -ENOSPC : 0;
	pthread_mutex_unlock(&d.lock);
	if (!ret && persist) {
		ret = state_write(f->name, o);
		if (ret) {
			pthread_mutex_unlock(&d.state_lock);
			logf_("%s: not registered: %s/%s.json: %s", nm, d.state_dir, nm,
			      strerror(-ret));
			free_function(f);
			*resp = error_json("%s: keeping the registration in %s: %s", nm, d.state_dir,
					   strerror(-ret));
			return MHD_HTTP_INTERNAL_SERVER_ERROR;
		}
	}
	if (!ret) {
		pthread_mutex_lock(&d.lock);
		f->next = d.functions;
		d.functions = f;
		d.nr_functions++;
		*resp = function_json(f, true);
		/* its pool fills off this request's path */
		d.pool_kick = true;
		pthread_cond_signal(&d.pool_cond);
		pthread_mutex_unlock(&d.lock);
	}
	pthread_mutex_unlock(&d.state_lock);
	if (ret)
		goto taken;
	logf_("%s: registered from %s: %s mode%s%s", f->name, f->bundle, mode_name(f->mode),
	      f->fallback ? ": " : "", f->fallback ? f->fallback : "");
	return MHD_HTTP_CREATED;
taken:
	free_function(f);
	if (ret == -ENOSPC) {
		*resp = error_json("%s: the node's limit of %u registered functions is reached", nm,
				   d.max_functions);
		return MHD_HTTP_SERVICE_UNAVAILABLE;
	}
	*resp = error_json("function \"%s\" is already registered", nm);
	return MHD_HTTP_CONFLICT;
bad:
	free_function(f);
	*resp = error_json("%s", why);
	return MHD_HTTP_BAD_REQUEST;
nomem:
	free_function(f);
	return MHD_HTTP_INTERNAL_SERVER_ERROR;
}

static enum MHD_Result register_function(struct MHD_Connection *c, const struct request *rq)
{
	struct json_object *o, *resp;
	unsigned int status;
	char why[1024];

	o = parse_body(rq, why, sizeof(why));
	if (!o)
		return reply_error(c, MHD_HTTP_BAD_REQUEST, "%s", why);
	status = do_register(o, true, &resp);
	json_object_put(o);
	if (!resp)
		return MHD_NO;
	if (verbose && status >= 400) {
		struct json_object *e;

		if (json_object_object_get_ex(resp, "error", &e))
			logf_("%u: %s", status, json_object_get_string(e));
	}
	return reply_json(c, status, resp);
}

/*
 * Register again what the state directory keeps, in name order, before
 * serving.  A registration that fails now (its bundle gone, or no longer
 * verifiable on this kernel) is logged and its file renamed NAME.json.failed.
 */
static void state_restore(void)
{
	struct dirent **ents;
	int n, restored = 0, failed = 0;

	if (!d.state_dir)
		return;
	if (mkdir(d.state_dir, 0700) && errno != EEXIST) {
		logf_("%s: %s; registrations are not kept", d.state_dir, strerror(errno));
		d.state_dir = NULL;
		return;
	}
	n = scandir(d.state_dir, &ents, NULL, alphasort);
	if (n < 0) {
		logf_("%s: %s; registrations are not kept", d.state_dir, strerror(errno));
		d.state_dir = NULL;
		return;
	}
	for (int i = 0; i < n; i++) {
		const char *fn = ents[i]->d_name;
		size_t len = strlen(fn);
		char path[PATH_MAX], failed_path[PATH_MAX + 8], name[MAX_NAME + 1];
		struct json_object *o, *resp = NULL, *x;
		unsigned int status = 0;
		const char *why = NULL;

		if (fn[0] == '.' || len <= 5 || strcmp(fn + len - 5, ".json"))
			goto next;
		snprintf(path, sizeof(path), "%s/%s", d.state_dir, fn);
		snprintf(name, sizeof(name), "%.*s", (int)(len - 5), fn);
		o = json_object_from_file(path);
		if (!o || !json_object_is_type(o, json_type_object)) {
			why = "not a JSON object";
		} else if (!json_object_object_get_ex(o, "name", &x) ||
			   !json_object_is_type(x, json_type_string) ||
			   strcmp(json_object_get_string(x), name)) {
			why = "its \"name\" is not the file's";
		} else {
			status = do_register(o, false, &resp);
			if (status != MHD_HTTP_CREATED && resp &&
			    json_object_object_get_ex(resp, "error", &x))
				why = json_object_get_string(x);
			else if (status != MHD_HTTP_CREATED)
				why = "out of memory";
		}
		if (!why) {
			restored++;
		} else {
			snprintf(failed_path, sizeof(failed_path), "%s.failed", path);
			logf_("%s: not registered again from %s: %s (kept as %s)", name, path, why,
			      failed_path);
			rename(path, failed_path);
			failed++;
		}
		json_object_put(resp);
		json_object_put(o);
next:
		free(ents[i]);
	}
	free(ents);
	if (restored || failed)
		logf_("registered %d functions again from %s%s", restored, d.state_dir,
		      failed ? " (some failed: above)" : "");
}

/* ---- invoke ---- */

static int memfd_with(const char *name, const char *data, size_t len)
{
	int fd = memfd_create(name, MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, data + off, len - off);

		if (n < 0) {
			close(fd);
			return -1;
		}
		off += n;
	}
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/*
 * The instance's standard output and error: pipes that a thread of the
 * invocation drains while it runs, keeping the first MAX_OUTPUT bytes of
 * each and counting the rest, so that a function writing without end
 * neither blocks nor fills the daemon's memory.
 */
struct drain {
	int fd[2];			/* the read ends */
	char *buf[2];
	size_t len[2];
	uint64_t total[2];
	volatile int closing;		/* the write ends are closed: stop at a lull */
};

static void *drainer(void *arg)
{
	struct drain *dr = arg;
	struct pollfd p[2] = { { .fd = dr->fd[0], .events = POLLIN },
			       { .fd = dr->fd[1], .events = POLLIN } };
	static __thread char chunk[65536];
	int open = 2;

	while (open) {
		int n = poll(p, 2, 100);

		if (n < 0 && errno != EINTR)
			break;
		/* a process that kept a write end (none should): give up at a lull */
		if (n == 0 && dr->closing)
			break;
		for (int i = 0; n > 0 && i < 2; i++) {
			ssize_t r;

			if (p[i].fd < 0 || !p[i].revents)
				continue;
			r = read(p[i].fd, chunk, sizeof(chunk));
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				p[i].fd = -1;
				open--;
				continue;
			}
			dr->total[i] += r;
			if (dr->len[i] < MAX_OUTPUT) {
				size_t k = (size_t)r < MAX_OUTPUT - dr->len[i] ? (size_t)r :
					   MAX_OUTPUT - dr->len[i];

				if (!dr->buf[i])
					dr->buf[i] = malloc(MAX_OUTPUT);
				if (dr->buf[i]) {
					memcpy(dr->buf[i] + dr->len[i], chunk, k);
					dr->len[i] += k;
				}
			}
		}
	}
	return NULL;
}

/*
 * What the instance wrote, kept up to MAX_OUTPUT bytes: a JSON string if
 * it is UTF-8, else base64 with KEY_encoding "base64"; KEY_bytes says how
 * much it wrote, KEY_truncated that it wrote more than is kept.
 */
static void add_output(struct json_object *o, const char *key, const char *buf, size_t n,
		       uint64_t total)
{
	char trunc[64], bytes[64];

	if (!buf)
		buf = "";
	if (lnch_valid_utf8((const unsigned char *)buf, n)) {
		json_object_object_add(o, key, json_object_new_string_len(buf, n));
	} else {
		char *b64 = lnch_base64((const unsigned char *)buf, n), enc[64];

		json_object_object_add(o, key, b64 ? json_object_new_string(b64) : NULL);
		free(b64);
		snprintf(enc, sizeof(enc), "%s_encoding", key);
		json_object_object_add(o, enc, json_object_new_string("base64"));
	}
	snprintf(bytes, sizeof(bytes), "%s_bytes", key);
	json_object_object_add(o, bytes, json_object_new_int64(total));
	if (total > n) {
		snprintf(trunc, sizeof(trunc), "%s_truncated", key);
		json_object_object_add(o, trunc, json_object_new_boolean(true));
	}
}

static void count_result(struct function *f, const struct lnch_result *r)
{
	double s = r->start_ns / 1e9;
	unsigned int b = 0;

	/* under d.lock; killed at the daemon's stop: not the client's doing */
	if (r->cancelled && !d.draining)
		d.cancelled++;
	if (!r->started) {
		if (!r->cancelled) {
			d.not_started++;
			f->failed++;
		}
		return;
	}
	d.started[r->mode]++;
	d.timed_out += r->timed_out;
	d.oom_killed += r->oom_killed;
	/* process mode's; container mode's execve() is crun's to see */
	if (r->start_ns) {
		while (b < NR_BUCKETS && s > buckets[b])
			b++;
		d.hist[b]++;
		d.hist_sum += s;
		d.hist_count++;
	}
	if (r->mode == LNCH_MODE_CONTAINER && f->fallback_rule) {
		unsigned int i;

		for (i = 0; i < d.nr_fallbacks; i++)
			if (!strcmp(d.fallbacks[i].rule, f->fallback_rule))
				break;
		if (i == d.nr_fallbacks && i < sizeof(d.fallbacks) / sizeof(d.fallbacks[0])) {
			snprintf(d.fallbacks[i].rule, sizeof(d.fallbacks[i].rule), "%s",
				 f->fallback_rule);
			d.nr_fallbacks++;
		}
		if (i < d.nr_fallbacks)
			d.fallbacks[i].n++;
	}
}

/*
 * Whether the client of connection @fd is gone: it closed the connection
 * (POLLHUP on a Unix stream socket), or the daemon shut it down at stop.
 * A half-close does not count: such a client still reads its answer.
 */
static bool client_gone(int fd)
{
	struct pollfd p = { .fd = fd };	/* POLLHUP and POLLERR need no asking */

	return fd >= 0 && poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR | POLLNVAL));
}

static bool before(struct timespec a, struct timespec b)
{
	return a.tv_sec < b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec < b.tv_nsec);
}

/*
 * A slot for one instance of @f, waiting in the queue for one if need be:
 * 0, or -EAGAIN (the queue is full, or the daemon is stopping), -ETIMEDOUT
 * (no slot within the queue's timeout), -ENOENT (unregistered meanwhile),
 * -ECONNRESET (the client of connection @cfd went away), with @why set.
 * A queued invocation looks at its client after every wake-up, and at
 * least every 200 ms.
 */
static int admit(struct function *f, int cfd, char *why, size_t len)
{
	struct timespec until = deadline(d.queue_ms), look;
	int ret = 0;

	pthread_mutex_lock(&d.lock);
	f->invocations++;
	if (d.draining) {
		snprintf(why, len, "%s: the daemon is stopping", f->name);
		ret = -EAGAIN;
		goto out;
	}
	if ((f->running >= f->concurrency || d.running >= d.max_instances) &&
	    d.waiting >= d.max_queue) {
		snprintf(why, len,
			 "%s: no slot: %u of its %u running, %u of the node's %u running, and the queue's %u places taken; retry later",
			 f->name, f->running, f->concurrency, d.running, d.max_instances,
			 d.max_queue);
		ret = -EAGAIN;
		goto out;
	}
	d.waiting++;
	f->waiting++;
	while (f->running >= f->concurrency || d.running >= d.max_instances || d.draining) {
		if (d.draining) {
			snprintf(why, len, "%s: the daemon is stopping", f->name);
			ret = -EAGAIN;
			break;
		}
		if (find_locked(f->name) != f) {
			snprintf(why, len, "%s was unregistered while the invocation waited",
				 f->name);
			ret = -ENOENT;
			break;
		}
		look = deadline(200);
		pthread_cond_timedwait(&d.cond, &d.lock, before(look, until) ? &look : &until);
		if (client_gone(cfd)) {
			snprintf(why, len, "%s: the client went away while the invocation waited",
				 f->name);
			ret = -ECONNRESET;
			break;
		}
		if (!before(deadline(0), until) &&
		    (f->running >= f->concurrency || d.running >= d.max_instances)) {
			snprintf(why, len, "%s: no slot within %u ms (%u of its %u running, %u of the node's %u)",
				 f->name, d.queue_ms, f->running, f->concurrency, d.running,
				 d.max_instances);
			ret = -ETIMEDOUT;
			break;
		}
	}
	d.waiting--;
	f->waiting--;
	if (!ret && find_locked(f->name) != f) {
		snprintf(why, len, "%s was unregistered while the invocation waited", f->name);
		ret = -ENOENT;
	}
	/* a slot, maybe at once: still somebody to answer? */
	if (!ret && client_gone(cfd)) {
		snprintf(why, len, "%s: the client went away before the instance started", f->name);
		ret = -ECONNRESET;
	}
	if (!ret) {
		f->running++;
		d.running++;
	}
out:
	if (ret == -ECONNRESET) {
		d.cancelled++;
	} else if (ret) {
		f->rejected++;
		d.rejected += ret != -ENOENT;
	}
	pthread_mutex_unlock(&d.lock);
	return ret;
}

static enum MHD_Result invoke(struct MHD_Connection *c, const char *name, const struct request *rq)
{
	static const char *const known[] = { "stdin", "stdin_base64", "args", "timeout_ms", NULL };
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct lnch_invoke_opts io = { .sz = sizeof(io) };
	struct json_object *o = NULL, *x, *resp, *res;
	struct lnch_result *r = NULL;
	char why[1024], **args = NULL, *rj, *decoded = NULL;
	int stdio[3] = { -1, -1, -1 }, ret;
	struct drain dr = { .fd = { -1, -1 } };
	pthread_t drain_thread;
	bool drain_started = false, stopping;
	unsigned int status;
	const char *in = "";
	size_t in_len = 0;
	struct function *f;

	if (rq->len) {
		o = parse_body(rq, why, sizeof(why));
		if (!o)
			return reply_error(c, MHD_HTTP_BAD_REQUEST, "%s", why);
		if (!known_keys(o, known, why, sizeof(why)) ||
		    uint_field(o, "timeout_ms", 1, 24 * 3600 * 1000, &io.timeout_ms, why,
			       sizeof(why)))
			goto bad;
		if (json_object_object_get_ex(o, "stdin", &x) &&
		    json_object_object_get_ex(o, "stdin_base64", &x)) {
			snprintf(why, sizeof(why), "stdin and stdin_base64: one or the other");
			goto bad;
		}
		if (json_object_object_get_ex(o, "stdin", &x)) {
			if (!json_object_is_type(x, json_type_string)) {
				snprintf(why, sizeof(why), "stdin: expected a string");
				goto bad;
			}
			in = json_object_get_string(x);
			in_len = json_object_get_string_len(x);
		}
		if (json_object_object_get_ex(o, "stdin_base64", &x)) {
			if (!json_object_is_type(x, json_type_string) ||
			    !(decoded = lnch_unbase64(json_object_get_string(x), &in_len))) {
				snprintf(why, sizeof(why), "stdin_base64: expected a base64 string");
				goto bad;
			}
			in = decoded;
		}
		if (json_object_object_get_ex(o, "args", &x)) {
			size_t n;

			if (!json_object_is_type(x, json_type_array)) {
				snprintf(why, sizeof(why), "args: expected an array of strings");
				goto bad;
			}
			n = json_object_array_length(x);
			if (n > 256) {
				snprintf(why, sizeof(why), "args: %zu arguments, at most 256", n);
				goto bad;
			}
			args = calloc(n + 1, sizeof(*args));
			if (!args)
				goto nomem;
			for (size_t i = 0; i < n; i++) {
				struct json_object *e = json_object_array_get_idx(x, i);

				if (!json_object_is_type(e, json_type_string) ||
				    strlen(json_object_get_string(e)) !=
					    (size_t)json_object_get_string_len(e)) {
					snprintf(why, sizeof(why),
						 "args[%zu]: expected a string without NUL bytes", i);
					goto bad;
				}
				args[i] = (char *)json_object_get_string(e);
			}
			io.args = args;
		}
	}
	f = get(name);
	if (!f) {
		free(args);
		free(decoded);
		json_object_put(o);
		return reply_error(c, MHD_HTTP_NOT_FOUND, "no function \"%s\" is registered", name);
	}
	if (args && f->mode == LNCH_MODE_CONTAINER) {
		put(f);
		snprintf(why, sizeof(why),
			 "%s runs in container mode, which runs process.args as the bundle gives them: args cannot be added",
			 name);
		goto bad;
	}
	/* a client that goes away cancels the invocation, queued or running */
	if (ci) {
		io.flags |= LNCH_INVOKE_CANCEL_FD;
		io.cancel_fd = ci->connect_fd;
	}
	ret = admit(f, ci ? ci->connect_fd : -1, why, sizeof(why));
	if (ret) {
		put(f);
		free(args);
		free(decoded);
		json_object_put(o);
		if (ret == -ECONNRESET) {
			if (verbose)
				logf_("%s", why);
			return MHD_NO;
		}
		if (ret == -ENOENT)
			return reply_error(c, MHD_HTTP_NOT_FOUND, "%s", why);
		return reply_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "%s", why);
	}
	stdio[0] = memfd_with("fnlaunchd-stdin", in, in_len);
	ret = stdio[0] < 0 ? -errno : 0;
	for (int i = 0; !ret && i < 2; i++) {
		int pp[2];

		if (pipe2(pp, O_CLOEXEC)) {
			ret = -errno;
			break;
		}
		dr.fd[i] = pp[0];
		stdio[1 + i] = pp[1];
	}
	if (!ret) {
		ret = -pthread_create(&drain_thread, NULL, drainer, &dr);
		drain_started = !ret;
	}
	if (!ret) {
		io.stdio = stdio;
		ret = lnch_function_invoke(f->fn, &io, &r);
	}
	/* the instance is gone: its streams end here */
	for (int i = 0; i < 3; i++)
		if (stdio[i] >= 0)
			close(stdio[i]);
	if (drain_started) {
		dr.closing = 1;
		pthread_join(drain_thread, NULL);
	}
	for (int i = 0; i < 2; i++)
		if (dr.fd[i] >= 0)
			close(dr.fd[i]);
	pthread_mutex_lock(&d.lock);
	f->running--;
	d.running--;
	pthread_cond_broadcast(&d.cond);
	d.pool_kick = true;
	pthread_cond_signal(&d.pool_cond);
	if (!ret)
		count_result(f, r);
	else
		d.not_started++, f->failed++;
	stopping = d.draining;
	pthread_mutex_unlock(&d.lock);
	free(args);
	free(decoded);
	json_object_put(o);
	if (ret) {
		free(dr.buf[0]);
		free(dr.buf[1]);
		put(f);
		return reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "%s: %s", name,
				   strerror(-ret));
	}
	resp = json_object_new_object();
	json_object_object_add(resp, "function", json_object_new_string(name));
	rj = lnch_result_json(r);
	res = rj ? json_tokener_parse(rj) : NULL;
	free(rj);
	json_object_object_add(resp, "result", res);
	add_output(resp, "stdout", dr.buf[0], dr.len[0], dr.total[0]);
	add_output(resp, "stderr", dr.buf[1], dr.len[1], dr.total[1]);
	free(dr.buf[0]);
	free(dr.buf[1]);
	status = r->started ? MHD_HTTP_OK : MHD_HTTP_INTERNAL_SERVER_ERROR;
	if (r->cancelled && stopping)
		logf_("%s: its instance was killed: the daemon stops", name);
	else if (r->cancelled)
		logf_("%s: the client went away: %s", name,
		      r->started ? "its instance was killed" : "nothing was started");
	else if (verbose || !r->started)
		logf_("%s: %s mode: %s%s%s", name, mode_name(r->mode),
		      r->started ? "ran" : "did not start",
		      r->error ? ": " : "", r->error ? r->error : "");
	lnch_result_free(r);
	put(f);
	return reply_json(c, status, resp);
bad:
	free(args);
	free(decoded);
	json_object_put(o);
	return reply_error(c, MHD_HTTP_BAD_REQUEST, "%s", why);
nomem:
	free(args);
	free(decoded);
	json_object_put(o);
	return MHD_NO;
}

/* ---- routing ---- */

static enum MHD_Result method_not_allowed(struct MHD_Connection *c, const char *allow,
					  const char *method, const char *url)
{
	struct json_object *o = json_object_new_object();
	char msg[512];
	struct MHD_Response *r;
	enum MHD_Result ret;
	char *s;

	snprintf(msg, sizeof(msg), "%s %s: the method is not allowed (allowed: %s)", method, url,
		 allow);
	json_object_object_add(o, "error", json_object_new_string(msg));
	s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	if (!s)
		return MHD_NO;
	r = MHD_create_response_from_buffer(strlen(s), s, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(s);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	ret = MHD_queue_response(c, MHD_HTTP_METHOD_NOT_ALLOWED, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result route(struct MHD_Connection *c, const char *url, const char *method,
			     const struct request *rq)
{
	static const char fns[] = "/v1/functions";
	bool get = !strcmp(method, "GET"), post = !strcmp(method, "POST");
	char name[MAX_NAME + 2];
	const char *rest;
	size_t n;

	if (!strcmp(url, "/metrics"))
		return get ? get_metrics(c) : method_not_allowed(c, "GET", method, url);
	if (!strcmp(url, "/v1/node"))
		return get ? get_node(c) : method_not_allowed(c, "GET", method, url);
	if (!strcmp(url, fns)) {
		if (get)
			return list_functions(c);
		if (post)
			return register_function(c, rq);
		return method_not_allowed(c, "GET, POST", method, url);
	}
	if (strncmp(url, fns, sizeof(fns) - 1) || url[sizeof(fns) - 1] != '/')
		return reply_error(c, MHD_HTTP_NOT_FOUND, "%s: no such resource", url);
	rest = url + sizeof(fns);
	n = strcspn(rest, "/");
	if (n > MAX_NAME || !n)
		return reply_error(c, MHD_HTTP_NOT_FOUND, "%s: no such function", url);
	memcpy(name, rest, n);
	name[n] = 0;
	rest += n;
	if (!*rest) {
		if (get)
			return inspect(c, name);
		if (!strcmp(method, "DELETE"))
			return unregister(c, name);
		return method_not_allowed(c, "GET, DELETE", method, url);
	}
	if (!strcmp(rest, "/invoke")) {
		if (!post)
			return method_not_allowed(c, "POST", method, url);
		/* SIGTERM waits for its answer to be sent: completed() */
		pthread_mutex_lock(&d.lock);
		d.answering++;
		pthread_mutex_unlock(&d.lock);
		((struct request *)rq)->invoke = true;
		return invoke(c, name, rq);
	}
	return reply_error(c, MHD_HTTP_NOT_FOUND, "%s: no such resource", url);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
			       const char *method, const char *version, const char *upload,
			       size_t *upload_size, void **con_cls)
{
	struct request *rq = *con_cls;

	if (!rq) {
		rq = calloc(1, sizeof(*rq));
		if (!rq)
			return MHD_NO;
		*con_cls = rq;
		return MHD_YES;
	}
	if (*upload_size) {
		if (!rq->too_big && rq->len + *upload_size <= MAX_BODY) {
			char *b = realloc(rq->body, rq->len + *upload_size + 1);

			if (!b)
				return MHD_NO;
			memcpy(b + rq->len, upload, *upload_size);
			rq->body = b;
			rq->len += *upload_size;
			rq->body[rq->len] = 0;
		} else {
			rq->too_big = true;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (rq->too_big)
		return reply_error(c, MHD_HTTP_CONTENT_TOO_LARGE,
				   "the request's body is larger than %u bytes", MAX_BODY);
	return route(c, url, method, rq);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct request *rq = *con_cls;

	if (rq) {
		if (rq->invoke) {
			pthread_mutex_lock(&d.lock);
			d.answering--;
			pthread_cond_broadcast(&d.cond);
			pthread_mutex_unlock(&d.lock);
		}
		free(rq->body);
		free(rq);
	}
	*con_cls = NULL;
}

/* ---- the socket ---- */

static int listen_socket(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char dir[sizeof(a.sun_path)], *slash;
	struct stat st;
	int fd, probe;

	if (strlen(path) >= sizeof(a.sun_path)) {
		logf_("%s: the socket's path is longer than %zu bytes", path, sizeof(a.sun_path) - 1);
		return -1;
	}
	strcpy(a.sun_path, path);
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		if (mkdir(dir, 0700) && errno != EEXIST) {
			logf_("mkdir %s: %s", dir, strerror(errno));
			return -1;
		}
	}
	if (!lstat(path, &st)) {
		if (!S_ISSOCK(st.st_mode)) {
			logf_("%s exists and is not a socket: not replacing it", path);
			return -1;
		}
		probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe >= 0 && !connect(probe, (struct sockaddr *)&a, sizeof(a))) {
			close(probe);
			logf_("%s: another daemon answers there", path);
			return -1;
		}
		if (probe >= 0)
			close(probe);
		unlink(path);	/* a dead daemon's */
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) || chmod(path, 0600) ||
	    listen(fd, 128)) {
		logf_("%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* ---- the warm pools ---- */

/*
 * Off the invocations' path: after an instance ends or a function is
 * registered (and every 100 ms), remove the ended instances' cgroups in a
 * batch and make what each pool lacks in another.
 */
static void *pool_thread(void *arg)
{
	for (;;) {
		struct function **v = NULL;
		unsigned int n = 0, cap = 0;
		struct timespec until = deadline(100), now;

		pthread_mutex_lock(&d.lock);
		while (!d.pool_kick && !d.stopping)
			if (pthread_cond_timedwait(&d.pool_cond, &d.lock, &until) == ETIMEDOUT)
				break;
		d.pool_kick = false;
		if (d.stopping) {
			pthread_mutex_unlock(&d.lock);
			return NULL;
		}
		for (struct function *f = d.functions; f; f = f->next)
			cap += f->warm_pool && f->mode == LNCH_MODE_PROCESS;
		v = cap ? calloc(cap, sizeof(*v)) : NULL;
		for (struct function *f = d.functions; v && f; f = f->next)
			if (f->warm_pool && f->mode == LNCH_MODE_PROCESS) {
				f->refs++;
				v[n++] = f;
			}
		pthread_mutex_unlock(&d.lock);
		clock_gettime(CLOCK_MONOTONIC, &now);
		for (unsigned int i = 0; i < n; i++) {
			struct function *f = v[i];
			int ret;

			/* after a failure, back off: 1 s, doubling to 60 s */
			if (f->pool_failing && (now.tv_sec < f->pool_retry.tv_sec ||
						(now.tv_sec == f->pool_retry.tv_sec &&
						 now.tv_nsec < f->pool_retry.tv_nsec))) {
				put(f);
				continue;
			}
			ret = lnch_function_refill(f->fn, NULL, NULL);
			if (ret && !f->pool_failing)
				logf_("%s: warm pool: %s (instances make their own cgroups meanwhile; retrying from 1 s to every 60 s)",
				      f->name, strerror(-ret));
			if (ret) {
				f->pool_backoff_ms = f->pool_backoff_ms ?
					(f->pool_backoff_ms >= 30000 ? 60000 : 2 * f->pool_backoff_ms) : 1000;
				f->pool_retry = deadline(f->pool_backoff_ms);
			} else {
				f->pool_backoff_ms = 0;
			}
			f->pool_failing = ret != 0;
			put(f);
		}
		free(v);
	}
}

/* ---- main ---- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: fnlaunchd [--socket PATH] [--cgroup-root DIR] [--profiles DIR] [--crun PATH]\n"
		"                 [--max-instances N] [--max-queue N] [--queue-timeout MS] [--warm-pool N]\n"
		"                 [--max-functions N] [--state-dir DIR | --no-state]\n"
		"                 [--host-uid UID] [--host-gid GID] [--classic-cgroup] [--classic-filter]\n"
		"                 [--classic-mounts] [--verbose]\n"
		"       fnlaunchd --help | --version\n"
		"  --socket PATH       the API's Unix socket (default %s, mode 0600)\n"
		"  --cgroup-root DIR   the launcher's cgroup (default: fnlaunch under the cgroup2 mount)\n"
		"  --profiles DIR      the tiers' profiles (default %s)\n"
		"  --crun PATH         container mode's runtime (default crun)\n"
		"  --max-instances N   instances running at once on the node (default 64)\n"
		"  --max-queue N       invocations waiting for a slot (default 256; beyond: 503)\n"
		"  --queue-timeout MS  how long an invocation waits for a slot (default 10000)\n"
		"  --warm-pool N       instance cgroups each process-mode function keeps made ahead (default 4, at most 64)\n"
		"  --max-functions N   functions registered at once (default 256)\n"
		"  --state-dir DIR     where registrations are kept across restarts (default %s)\n"
		"  --no-state          keep registrations in memory only\n"
		"  --host-uid UID, --host-gid GID  what functions' users map to (default 65534)\n"
		"  --classic-cgroup    mkdir(2)/rmdir(2) even where CGROUP_IOC_CREATE exists\n"
		"  --classic-filter    classic seccomp filters even where seccomp-eBPF exists\n"
		"  --classic-mounts    each instance copies the daemon's mounts and pivot_root()s, even where\n"
		"                      its mount namespace can be made from the function's rootfs alone\n"
		"  --verbose           log every invocation\n"
		"It runs in the foreground, logs to standard error and stops on SIGTERM or SIGINT\n"
		"(running invocations get up to %d s to end).\n",
		DEFAULT_SOCKET, LNCH_PROFILE_DIR, DEFAULT_STATE_DIR, STOP_WAIT_S);
}

static unsigned int number(const char *opt, const char *s, unsigned long lo, unsigned long hi)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < lo || v > hi) {
		fprintf(stderr, "fnlaunchd: --%s: \"%s\" is not a number from %lu to %lu\n", opt, s,
			lo, hi);
		exit(EXIT_BAD);
	}
	return v;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "cgroup-root", required_argument, NULL, 'r' },
		{ "profiles", required_argument, NULL, 'p' },
		{ "crun", required_argument, NULL, 'c' },
		{ "max-instances", required_argument, NULL, 'm' },
		{ "max-queue", required_argument, NULL, 'q' },
		{ "queue-timeout", required_argument, NULL, 'Q' },
		{ "warm-pool", required_argument, NULL, 'w' },
		{ "max-functions", required_argument, NULL, 'f' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ "no-state", no_argument, NULL, 'N' },
		{ "host-uid", required_argument, NULL, 'u' },
		{ "host-gid", required_argument, NULL, 'g' },
		{ "classic-cgroup", no_argument, NULL, 'C' },
		{ "classic-filter", no_argument, NULL, 'F' },
		{ "classic-mounts", no_argument, NULL, 'M' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct MHD_Daemon *mhd;
	pthread_t pool;
	unsigned int removed = 0;
	char *error = NULL;
	sigset_t set;
	int c, fd, sig, ret, lfd;

	d.socket_path = DEFAULT_SOCKET;
	d.ro.sz = sizeof(d.ro);
	d.max_instances = 64;
	d.max_queue = 256;
	d.queue_ms = 10000;
	d.warm_pool = 4;
	d.max_functions = 256;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's': d.socket_path = optarg; break;
		case 'r': d.ro.cgroup_root = optarg; break;
		case 'p': d.ro.profile_dir = optarg; break;
		case 'c': d.ro.crun = optarg; break;
		case 'm': d.max_instances = number("max-instances", optarg, 1, 65536); break;
		case 'q': d.max_queue = number("max-queue", optarg, 0, 65536); break;
		case 'Q': d.queue_ms = number("queue-timeout", optarg, 0, 3600000); break;
		case 'w': d.warm_pool = number("warm-pool", optarg, 0, MAX_POOL); break;
		case 'f': d.max_functions = number("max-functions", optarg, 1, 65536); break;
		case 'S': d.state_dir = optarg; break;
		case 'N': d.state_dir = NULL; break;
		case 'u': d.ro.host_uid = number("host-uid", optarg, 1, UINT32_MAX - 1); break;
		case 'g': d.ro.host_gid = number("host-gid", optarg, 1, UINT32_MAX - 1); break;
		case 'C': d.ro.flags |= LNCH_RUN_CLASSIC_CGROUP; break;
		case 'F': d.ro.flags |= LNCH_RUN_CLASSIC_FILTER; break;
		case 'M': d.ro.flags |= LNCH_RUN_CLASSIC_MOUNTS; break;
		case 'v': verbose = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("fnlaunchd %s\n", lnch_version()); return 0;
		default: usage(stderr); return EXIT_BAD;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "fnlaunchd: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		return EXIT_BAD;
	}

	/* the waits time out on CLOCK_MONOTONIC: a clock step does not stretch them */
	{
		pthread_condattr_t ca;
		struct rlimit rl;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&d.cond, &ca);
		pthread_cond_init(&d.pool_cond, &ca);
		pthread_condattr_destroy(&ca);
		/* a connection, an instance's pipes and a pool's cgroups each take fds */
		if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
	}

	d.probe.sz = sizeof(d.probe);
	ret = lnch_probe(d.ro.cgroup_root, d.ro.crun, &d.probe);
	if (ret) {
		logf_("probing the kernel: %s", strerror(-ret));
		return 1;
	}
	logf_("kernel: cgroups %s, seccomp filters %s, mount namespaces %s, Landlock ABI %d, crun %s",
	      d.probe.batch_cgroups ? "CGROUP_IOC_CREATE" : "mkdir(2)/rmdir(2)",
	      d.probe.seccomp_ebpf ? "seccomp-eBPF" : "classic",
	      d.probe.tree_namespaces ? "from the rootfs (OPEN_TREE_NAMESPACE)" : "copied",
	      d.probe.landlock_abi, d.probe.crun ? "found" : "not found (container mode cannot run)");
	if (d.probe.filter_note[0])
		logf_("  no seccomp-eBPF: %s", d.probe.filter_note);
	if (d.probe.mount_note[0])
		logf_("  mount namespaces copied: %s", d.probe.mount_note);
	if (!d.probe.landlock_abi)
		logf_("  no Landlock: process mode refuses to run");

	/* what launchers that died left: theirs, and a previous daemon's */
	ret = lnch_gc(d.ro.cgroup_root, d.ro.crun, &removed, &error);
	if (ret)
		logf_("cleaning up after launchers that died: %s", error ? error : strerror(-ret));
	else if (removed)
		logf_("removed %u instances and policies of launchers that died", removed);
	free(error);

	/* the handlers' threads inherit this: only sigwait() below takes them */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	/* and SIGPIPE, for stderr: blocked, not ignored (an ignored signal
	 * would stay ignored through crun's execve()) */
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	sigdelset(&set, SIGPIPE);

	/* the functions are back before the socket is there */
	state_restore();
	fd = listen_socket(d.socket_path);
	if (fd < 0)
		return 1;
	mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
			       MHD_USE_ITC | MHD_USE_ERROR_LOG,
			       0, NULL, NULL, handler, NULL,
			       MHD_OPTION_LISTEN_SOCKET, fd,
			       MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
			       MHD_OPTION_CONNECTION_LIMIT,
			       (unsigned int)(d.max_instances + d.max_queue + 16),
			       /* a client that stops sending gives its place back */
			       MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30,
			       MHD_OPTION_END);
	if (!mhd) {
		logf_("%s: libmicrohttpd could not serve the socket", d.socket_path);
		close(fd);
		unlink(d.socket_path);
		return 1;
	}
	ret = pthread_create(&pool, NULL, pool_thread, NULL);
	if (ret) {
		logf_("starting the warm pools' thread: %s", strerror(ret));
		MHD_stop_daemon(mhd);
		close(fd);
		unlink(d.socket_path);
		return 1;
	}
	logf_("serving %s (at most %u instances, %u queued; warm pools of %u)", d.socket_path,
	      d.max_instances, d.max_queue, d.warm_pool);
	do {
		ret = sigwait(&set, &sig);
	} while (ret == 0 && sig == SIGHUP);
	logf_("%s: stopping once the running invocations end (at most %d s)", strsignal(sig),
	      STOP_WAIT_S);
	lfd = MHD_quiesce_daemon(mhd);
	unlink(d.socket_path);
	/* queued invocations are refused; running ones end and are answered */
	pthread_mutex_lock(&d.lock);
	d.draining = true;
	pthread_cond_broadcast(&d.cond);
	{
		struct timespec until = deadline(STOP_WAIT_S * 1000);

		/* until every invocation is answered: its response sent */
		while (d.answering)
			if (pthread_cond_timedwait(&d.cond, &d.lock, &until) == ETIMEDOUT)
				break;
	}
	if (d.answering)
		logf_("%u invocations not answered in time: their clients get no answer",
		      d.answering);
	pthread_mutex_unlock(&d.lock);
	MHD_stop_daemon(mhd);
	/* quiesced: the listening socket is ours again */
	if (lfd != MHD_INVALID_SOCKET)
		close(lfd);
	pthread_mutex_lock(&d.lock);
	d.stopping = true;
	pthread_cond_signal(&d.pool_cond);
	pthread_mutex_unlock(&d.lock);
	pthread_join(pool, NULL);
	while (d.functions) {
		struct function *f = d.functions;

		d.functions = f->next;
		put(f);
	}
	return 0;
}

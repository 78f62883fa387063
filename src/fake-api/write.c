/*
 * write.c - write an estate directory (--write-estate DIR): the estate's
 * own files, which --estate DIR loads back, and the raw streams the
 * fetchers would print for it (DIR/raw/); and the atomic file writes the
 * simulator's other outputs use.
 *
 * Every file is written to NAME.tmp and renamed into place when whole, so
 * a reader never sees half a file, and a failed write is an error (exit 9),
 * never a short file.  The layout is in docs/SIMULATOR.md, "Estate
 * directory"; the raw streams follow docs/FORMATS.md section 1.
 */
#include "estate.h"
#include "api.h"
#include "buf.h"
#include "err.h"
#include "exitcodes.h"
#include "jsonw.h"
#include "timeutil.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* A file written to PATH.tmp (created with MODE) and renamed into place
 * when whole.  Messages name it by its .tmp path, after WHAT when given
 * ("cannot write the truth file 't.ndjson.tmp'"). */
struct outfile {
	FILE *fp;
	char *tmp, *path;
	struct buf label;
};

static void out_open(struct outfile *o, const char *path, int mode, const char *what)
{
	size_t n = strlen(path) + 8;
	o->path = xstrdup(path);
	o->tmp = xmalloc(n);
	snprintf(o->tmp, n, "%s.tmp", path);
	buf_init(&o->label, 0);
	if (what)
		buf_printf(&o->label, "the %s ", what);
	buf_printf(&o->label, "'%s'", o->tmp);
	int fd = open(o->tmp, O_WRONLY | O_CREAT | O_TRUNC, mode);
	o->fp = fd >= 0 ? fdopen(fd, "wb") : NULL;
	if (!o->fp)
		sosr_die_errno(SOSR_EXIT_IO, "cannot create %s; check that its directory exists and is writable",
			       o->label.data);
	setvbuf(o->fp, NULL, _IOFBF, 1 << 20);
}

static void out_commit(struct outfile *o)
{
	if (ferror(o->fp) | (fclose(o->fp) != 0))
		sosr_die_errno(SOSR_EXIT_IO, "cannot write %s; check free space", o->label.data);
	if (rename(o->tmp, o->path) != 0)
		sosr_die_errno(SOSR_EXIT_IO, "cannot rename '%s' to '%s'", o->tmp, o->path);
	free(o->tmp);
	free(o->path);
	buf_free(&o->label);
}

/* DIR/NAME, one of the estate directory's files (the caller frees it). */
static char *in_dir(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = xmalloc(n);
	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

static void out_open_in(struct outfile *o, const char *dir, const char *name)
{
	char *path = in_dir(dir, name);
	out_open(o, path, 0666, NULL);
	free(path);
}

void write_file_atomic(const char *path, const void *data, size_t len, int mode, const char *what)
{
	struct outfile o;
	out_open(&o, path, mode, what);
	if (len)
		fwrite(data, 1, len, o.fp);
	out_commit(&o);
}

static void put_json_line(FILE *fp, const char *prefix, struct json_object *o, const char *suffix)
{
	fputs(prefix, fp);
	fputs(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE), fp);
	fputs(suffix, fp);
	json_object_put(o);
}

static void mkdir_p(const char *dir)
{
	if (mkdir(dir, 0777) != 0 && errno != EEXIST)
		sosr_die_errno(SOSR_EXIT_IO, "cannot create the directory '%s'", dir);
}

/* The estate's own files: what --estate DIR loads. */
static void write_model(const struct estate *e, const char *dir)
{
	struct json_object *meta = json_object_new_object();
	json_object_object_add(meta, "format", json_object_new_int(1));
	json_object_object_add(meta, "c_code", json_object_new_string(e->c_code));
	struct json_object *oc = json_object_new_array();
	for (size_t i = 0; i < e->n_other; i++)
		json_object_array_add(oc, json_object_new_string(e->other_c_codes[i]));
	json_object_object_add(meta, "other_c_codes", oc);
	char t[TU_UTC_LEN + 1];
	tu_format_utc(e->now, t);
	json_object_object_add(meta, "now", json_object_new_string(t));
	json_object_object_add(meta, "seed", json_object_new_int64((int64_t)e->seed));
	struct json_object *acs = json_object_new_array();
	for (size_t a = 0; a < e->naccounts; a++) {
		struct json_object *ac = json_object_new_object();
		json_object_object_add(ac, "id", json_object_new_string(e->accounts[a].id));
		json_object_object_add(ac, "username", json_object_new_string(e->accounts[a].username));
		json_object_object_add(ac, "auth", json_object_new_string(e->accounts[a].auth == AUTH_APIKEY ? "apikey" : "basic"));
		json_object_array_add(acs, ac);
	}
	json_object_object_add(meta, "accounts", acs);
	struct outfile of;
	out_open_in(&of, dir, "estate.json");
	put_json_line(of.fp, "", meta, "\n");
	out_commit(&of);

	out_open_in(&of, dir, "softlayer.ndjson");
	FILE *fp = of.fp;
	char ip[16];
	for (size_t i = 0; i < e->nsl; i++) {
		const struct sl_dev *d = &e->sl[i];
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "account", json_object_new_string(e->accounts[d->account].id));
		json_object_object_add(o, "type", json_object_new_string(d->type == SL_HARDWARE ? "hardware" : "virtual_guest"));
		json_object_object_add(o, "id", json_object_new_int64(d->id));
		json_object_object_add(o, "hostname", d->hostname ? json_object_new_string(d->hostname) : NULL);
		json_object_object_add(o, "domain", json_object_new_string(d->domain));
		if (d->private_ip) {
			fmt_ip(d->private_ip, ip);
			json_object_object_add(o, "private_ip", json_object_new_string(ip));
		}
		if (d->public_ip) {
			fmt_ip(d->public_ip, ip);
			json_object_object_add(o, "public_ip", json_object_new_string(ip));
		}
		json_object_object_add(o, "datacenter", json_object_new_string(d->datacenter));
		if (d->serial)
			json_object_object_add(o, "serial", json_object_new_string(d->serial));
		json_object_object_add(o, "status", json_object_new_string(d->status));
		if (d->type == SL_GUEST)
			json_object_object_add(o, "power", json_object_new_string(d->halted ? "HALTED" : "RUNNING"));
		tu_format_utc(d->created, t);
		json_object_object_add(o, "created", json_object_new_string(t));
		put_json_line(fp, "", o, "\n");
	}
	for (size_t i = 0; i < e->nslv; i++) {
		const struct sl_vlan *v = &e->slv[i];
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "account", json_object_new_string(e->accounts[v->account].id));
		json_object_object_add(o, "type", json_object_new_string("vlan"));
		json_object_object_add(o, "id", json_object_new_int64(v->id));
		json_object_object_add(o, "number", json_object_new_int(v->number));
		json_object_object_add(o, "router", json_object_new_string(v->router));
		json_object_object_add(o, "datacenter", json_object_new_string(v->datacenter));
		json_object_object_add(o, "space", json_object_new_string(v->space == SPACE_PUBLIC ? "PUBLIC" : "PRIVATE"));
		if (v->name)
			json_object_object_add(o, "name", json_object_new_string(v->name));
		put_json_line(fp, "", o, "\n");
	}
	out_commit(&of);

	out_open_in(&of, dir, "sos.ndjson");
	fp = of.fp;
	for (size_t i = 0; i < e->nsos; i++)
		put_json_line(fp, "{\"type\":\"device\",\"item\":", sos_device_json(e, (uint32_t)i), "}\n");
	for (size_t i = 0; i < e->nsosv; i++)
		put_json_line(fp, "{\"type\":\"vlan\",\"item\":", sos_vlan_json(e, (uint32_t)i), "}\n");
	out_commit(&of);
}

/* The raw streams exactly as the fetchers print them (FORMATS.md 1). */
static void write_raw(const struct estate *e, const char *dir)
{
	struct mask *full[3];
	for (int k = 0; k < 3; k++) {
		const char *err;
		full[k] = mask_parse(sl_full_mask[k], &err);
		if (!full[k])
			sosr_die(SOSR_EXIT_INTERNAL, "bug: the full object mask does not parse: %s", err);
	}
	struct outfile of;
	out_open_in(&of, dir, "softlayer.ndjson");
	FILE *fp = of.fp;
	struct buf pre = BUF_INIT(0);
	for (size_t a = 0; a < e->naccounts; a++) {
		const struct account *ac = &e->accounts[a];
		static const char *const tn[3] = { "hardware", "virtual_guest", "vlan" };
		const uint32_t *idx[3] = { ac->hw, ac->vg, ac->vl };
		size_t cnt[3] = { ac->nhw, ac->nvg, ac->nvl };
		for (int k = 0; k < 3; k++) {
			buf_reset(&pre);
			buf_addstr(&pre, "{\"source\":\"softlayer\",\"account\":");
			jsonw_str(&pre, ac->id, strlen(ac->id));
			buf_printf(&pre, ",\"type\":\"%s\",\"data\":", tn[k]);
			for (size_t i = 0; i < cnt[k]; i++) {
				struct json_object *o = k == 0 ? sl_hardware_json(e, idx[k][i], full[k])
					: k == 1 ? sl_guest_json(e, idx[k][i], full[k]) : sl_vlan_json(e, idx[k][i], full[k]);
				put_json_line(fp, pre.data, o, "}\n");
			}
		}
	}
	out_commit(&of);
	out_open_in(&of, dir, "sos.ndjson");
	fp = of.fp;
	buf_reset(&pre);
	buf_addstr(&pre, "{\"source\":\"sos\",\"c_code\":");
	jsonw_str(&pre, e->c_code, strlen(e->c_code));
	size_t mark = pre.len;
	buf_addstr(&pre, ",\"type\":\"device\",\"data\":");
	for (size_t i = 0; i < e->nsos; i++)
		put_json_line(fp, pre.data, sos_device_json(e, (uint32_t)i), "}\n");
	pre.len = mark;
	pre.data[mark] = '\0';
	buf_addstr(&pre, ",\"type\":\"vlan\",\"data\":");
	for (size_t i = 0; i < e->nsosv; i++)
		put_json_line(fp, pre.data, sos_vlan_json(e, (uint32_t)i), "}\n");
	out_commit(&of);
	buf_free(&pre);
	for (int k = 0; k < 3; k++)
		mask_free(full[k]);
}

void estate_write(const struct estate *e, const char *dir)
{
	mkdir_p(dir);
	char *raw = in_dir(dir, "raw");
	mkdir_p(raw);
	write_model(e, dir);
	write_raw(e, raw);
	free(raw);
}


/*
 * trend.c - the trend of report.html: open findings per type over the
 * last runs of the archive (history.dir/<C_Code>/<stamp>/report.json, as
 * sosr-publish archive stores them) and this run, drawn as an SVG by this
 * code (no chart library: the picture is a few lines and circles).
 *
 * Reading: only the head of each archived report.json is parsed, up to
 * its "findings" member, which report.json always writes last on a line
 * of its own ("findings":[ ... ]): the counts are in the head, and a
 * report of a million findings is not read for them.  A run whose report
 * is missing or unreadable is a gap in the picture, with a warning; it
 * never fails the report.
 *
 * Drawing: presentation attributes only (fill, stroke, font-size), never a
 * style attribute nor a <style> element, which Jenkins' Content-Security-
 * Policy (style-src 'self') would block; every number is printed with a
 * fixed format, so the same points give the same bytes.  Colours are the
 * Okabe-Ito palette, which readers with a colour vision deficiency can
 * tell apart; the legend and a table of the numbers beside the picture
 * (html.c) say the same without colour.
 */
#include "render.h"

#include "archive.h"
#include "buf.h"
#include "err.h"
#include "exitcodes.h"
#include "jsondoc.h"
#include "timeutil.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

/* The head of a report is small (the thresholds, the summary, the
 * history's exception lists); this cap stops a runaway. */
#define HEAD_CAP (8u << 20)

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Read the head of PATH's report (up to its "findings" member) and parse
 * it, closing the document.  NULL with WHY. */
static struct json_object *read_head(const char *path, char *why, size_t whylen)
{
	FILE *fp = fopen(path, "r");
	if (!fp) {
		snprintf(why, whylen, "cannot open: %s", strerror(errno));
		return NULL;
	}
	struct buf b = BUF_INIT(HEAD_CAP);
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int cut = 0, over = 0;
	while ((n = getline(&line, &cap, fp)) > 0) {
		if (strncmp(line, "\"findings\":[", 12) == 0) {
			cut = 1;
			break;
		}
		if (buf_add(&b, line, (size_t)n) < 0) {
			over = 1;
			break;
		}
	}
	int err = ferror(fp);
	fclose(fp);
	free(line);
	struct json_object *o = NULL;
	if (err)
		snprintf(why, whylen, "cannot read it");
	else if (over)
		snprintf(why, whylen, "its head is larger than %u bytes", HEAD_CAP);
	else if (cut && buf_addstr(&b, "\"findings\":[]}") < 0)
		snprintf(why, whylen, "its head is larger than %u bytes", HEAD_CAP);
	else
		o = jsondoc_parse(b.data ? b.data : "", b.len, why, whylen);
	buf_free(&b);
	return o;
}

static void load_point(const char *dir, const char *name, struct trend_point *p)
{
	memset(p, 0, sizeof *p);
	snprintf(p->stamp, sizeof p->stamp, "%s", name);
	struct buf path = BUF_INIT(0);
	buf_printf(&path, "%s/%s/report.json", dir, name);
	char why[200];
	struct json_object *o = read_head(path.data, why, sizeof why);
	const char *status = o ? jget_str(o, "status") : NULL;
	long long format = o ? jget_count(o, "format") : -1;
	if (o && (format < 1 || format > REPORT_FORMAT || !status))
		snprintf(why, sizeof why, "not a report.json of format 1 to %d", REPORT_FORMAT);
	if (!o || format < 1 || format > REPORT_FORMAT || !status) {
		sosr_warn("%s: %s; the trend shows a gap for this run", path.data, why);
		p->state = TREND_UNREADABLE;
	} else if (strcmp(status, "complete") == 0) {
		p->state = TREND_COMPLETE;
		struct json_object *counts = jget_obj(o, "counts");
		for (int t = 0; t < FT_NFINDINGS; t++) {
			long long c = jget_count(jget_obj(counts, finding_type_names[t]), "total");
			p->count[t] = c > 0 ? c : 0;
		}
	} else {
		p->state = strcmp(status, "suspect") == 0 ? TREND_SUSPECT : TREND_INCOMPLETE;
	}
	json_object_put(o);
	buf_free(&path);
}

int trend_load(const char *history, const char *c_code, const char *before, struct trend_point *pts,
	       int max)
{
	struct buf dir = BUF_INIT(0);
	buf_printf(&dir, "%s/%s", history, c_code);
	DIR *d = opendir(dir.data);
	if (!d) {
		/* no run archived yet is normal; anything else is said */
		if (errno != ENOENT)
			sosr_warn("cannot read the archive '%s': %s; the report has no trend", dir.data,
				  strerror(errno));
		buf_free(&dir);
		return 0;
	}
	size_t n = 0, alloc = 0;
	char **names = NULL;
	struct dirent *e;
	while ((e = readdir(d))) {
		/* runs are named by their reference time (archive.h); latest,
		 * .tmp.* and the rest are not runs, and a run at or after this
		 * one's time is not before it (a report rendered again later
		 * draws the same picture) */
		if (!archive_is_run_name(e->d_name, NULL) || strcmp(e->d_name, before) >= 0)
			continue;
		if (n == alloc) {
			alloc = alloc ? 2 * alloc : 64;
			names = xrealloc(names, alloc * sizeof *names);
		}
		names[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, by_name);
	size_t first = n > (size_t)max ? n - (size_t)max : 0;
	int got = 0;
	for (size_t i = first; i < n; i++)
		load_point(dir.data, names[i], &pts[got++]);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	buf_free(&dir);
	return got;
}

/* ---- the picture ---- */

#define W 760
#define H 300
#define LEFT 56
#define RIGHT 200
#define TOP 16
#define BOTTOM 48

static const char *const colours[FT_NFINDINGS] = {
	"#D55E00", /* missing_in_sos: vermillion, the serious one */
	"#0072B2", /* missing_in_softlayer: blue */
	"#E69F00", /* mismatch: orange */
	"#009E73", /* duplicate: bluish green */
	"#CC79A7", /* unidentified: reddish purple */
};

/* The step of the y axis: 1, 2 or 5 times a power of ten, so that about
 * four steps reach MAX. */
static long long nice_step(long long max)
{
	long long raw = (max + 3) / 4, p = 1;
	if (raw < 1)
		return 1;
	while (p * 10 <= raw)
		p *= 10;
	if (raw <= p)
		return p;
	if (raw <= 2 * p)
		return 2 * p;
	if (raw <= 5 * p)
		return 5 * p;
	return 10 * p;
}

static double x_of(int i, int n)
{
	double plot = W - LEFT - RIGHT;
	return n > 1 ? LEFT + plot * i / (n - 1) : LEFT + plot / 2;
}

/* "2026-11-26T060000Z" (or "...Z-02") as "11-26" for an axis label. */
static void short_day(const char *stamp, char out[8])
{
	snprintf(out, 8, "%.5s", strlen(stamp) >= 10 ? stamp + 5 : stamp);
}

void trend_svg(struct buf *b, const struct trend_point *pts, int n)
{
	long long max = 0;
	for (int i = 0; i < n; i++)
		for (int t = 0; t < FT_NFINDINGS; t++)
			if (pts[i].state == TREND_COMPLETE && pts[i].count[t] > max)
				max = pts[i].count[t];
	long long step = nice_step(max), top = step * ((max + step - 1) / step);
	if (top == 0)
		top = step;
	double plot_h = H - TOP - BOTTOM;
#define Y(v) (TOP + plot_h - plot_h * (double)(v) / (double)top)
	buf_printf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"trend\" width=\"%d\" height=\"%d\" "
		   "viewBox=\"0 0 %d %d\" role=\"img\" aria-labelledby=\"trend-title\" font-family=\"sans-serif\" "
		   "font-size=\"12\">\n<title id=\"trend-title\">Open findings per type over the last %d runs</title>\n",
		   W, H, W, H, n);
	/* the grid and the y axis */
	for (long long v = 0; v <= top; v += step) {
		buf_printf(b, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#d0d0d0\" stroke-width=\"1\"/>"
			   "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"#333333\">%lld</text>\n",
			   LEFT, Y(v), W - RIGHT, Y(v), LEFT - 6, Y(v) + 4, v);
	}
	/* the x axis: about six labels, the first and the last always */
	int every = n > 6 ? (n + 5) / 6 : 1;
	for (int i = 0; i < n; i++) {
		if (i % every && i != n - 1)
			continue;
		char d[8];
		short_day(pts[i].stamp, d);
		buf_printf(b, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#333333\">", x_of(i, n),
			   H - BOTTOM + 18);
		buf_addstr(b, d); /* digits and '-' of a stamp this code parsed */
		buf_addstr(b, "</text>\n");
	}
	buf_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#333333\">run (month-day, UTC); "
		   "the last is this run</text>\n", LEFT + (W - LEFT - RIGHT) / 2, H - 8);
	/* runs that were not complete: a grey mark on the axis */
	for (int i = 0; i < n; i++) {
		if (pts[i].state == TREND_COMPLETE)
			continue;
		static const char *const what[] = { "", "incomplete", "suspect", "unreadable" };
		buf_printf(b, "<rect x=\"%.1f\" y=\"%d\" width=\"6\" height=\"%.1f\" fill=\"#bbbbbb\" "
			   "fill-opacity=\"0.6\"><title>%s: %s</title></rect>\n", x_of(i, n) - 3, TOP, plot_h,
			   pts[i].stamp, what[pts[i].state]);
	}
	/* one line per type, broken where a run was not complete */
	for (int t = 0; t < FT_NFINDINGS; t++) {
		int open = 0;
		for (int i = 0; i < n; i++) {
			if (pts[i].state != TREND_COMPLETE) {
				if (open)
					buf_addstr(b, "\"/>\n");
				open = 0;
				continue;
			}
			if (!open)
				buf_printf(b, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"",
					   colours[t]);
			buf_printf(b, "%s%.1f,%.1f", open ? " " : "", x_of(i, n), Y(pts[i].count[t]));
			open = 1;
		}
		if (open)
			buf_addstr(b, "\"/>\n");
		for (int i = 0; i < n; i++)
			if (pts[i].state == TREND_COMPLETE)
				buf_printf(b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>%s: %lld %s"
					   "</title></circle>\n", x_of(i, n), Y(pts[i].count[t]), colours[t],
					   pts[i].stamp, pts[i].count[t], finding_type_names[t]);
	}
	/* the legend, with today's counts */
	for (int t = 0; t < FT_NFINDINGS; t++) {
		int y = TOP + 10 + 20 * t;
		buf_printf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"3\"/>"
			   "<text x=\"%d\" y=\"%d\" fill=\"#222222\">%s",
			   W - RIGHT + 16, y, W - RIGHT + 36, y, colours[t], W - RIGHT + 42, y + 4,
			   finding_type_names[t]);
		if (pts[n - 1].state == TREND_COMPLETE)
			buf_printf(b, " (%lld)", pts[n - 1].count[t]);
		buf_addstr(b, "</text>\n");
	}
	buf_addstr(b, "</svg>\n");
#undef Y
}

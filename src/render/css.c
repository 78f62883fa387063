/*
 * css.c - report.css, the stylesheet of report.html (sosr-render --format
 * css).  A file beside the page because Jenkins' Content-Security-Policy
 * allows styles from the same origin only (style-src 'self'), never inline
 * ones.  The page is readable without it: this only lays it out.
 *
 * The colours of the finding types are those of the trend (trend.c).
 */
#include "render.h"

#include "output.h"

#include <string.h>

static const char css[] =
"/* report.css - the stylesheet of sos-reconcile's report.html (sosr-render --format css) */\n"
":root { color-scheme: light; }\n"
"body { font-family: system-ui, -apple-system, \"Segoe UI\", Roboto, sans-serif; font-size: 14px;\n"
"       line-height: 1.4; color: #1a1a1a; background: #ffffff; margin: 0 auto; padding: 0 1.5rem 2rem;\n"
"       max-width: 1400px; }\n"
"h1 { font-size: 1.6rem; margin: 1rem 0 0.5rem; }\n"
"h2 { font-size: 1.25rem; margin: 2rem 0 0.5rem; border-bottom: 1px solid #d0d0d0; }\n"
"h3 { font-size: 1.05rem; }\n"
"code, .rec dd, th[scope=row] a { font-family: ui-monospace, \"DejaVu Sans Mono\", Menlo, Consolas, monospace;\n"
"       font-size: 0.92em; }\n"
"a { color: #0b5394; }\n"
".banner { font-size: 1.2rem; font-weight: bold; padding: 0.6rem 1rem; border-radius: 4px; }\n"
".banner a { color: inherit; text-decoration: none; }\n"
".banner.significant { background: #fde2dd; color: #8a1c00; border-left: 6px solid #D55E00; }\n"
".banner.clean { background: #e0f2e9; color: #0c5132; border-left: 6px solid #009E73; }\n"
".banner.incomplete, .banner.suspect { background: #fff1c2; color: #5c4400; border-left: 6px solid #E69F00; }\n"
"dl.meta { display: grid; grid-template-columns: max-content auto; gap: 0.15rem 1rem; margin: 0.5rem 0; }\n"
"dl.meta dt { font-weight: bold; }\n"
"dl.meta dd { margin: 0; }\n"
"dd.incomplete, dd.suspect { color: #8a1c00; font-weight: bold; }\n"
"nav ul { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; }\n"
"table { border-collapse: collapse; margin: 0.5rem 0 1rem; }\n"
"caption { text-align: left; font-style: italic; padding: 0.25rem 0; }\n"
"th, td { border: 1px solid #d0d0d0; padding: 0.2rem 0.45rem; text-align: left; vertical-align: top; }\n"
"thead th { background: #f0f0f0; position: sticky; top: 0; }\n"
"td.num, .counts td { text-align: right; font-variant-numeric: tabular-nums; }\n"
"tr.info th, tr.info td { color: #555555; }\n"
"tr.excepted { background: #f5f5f5; color: #555555; }\n"
"tr:target, tr:target + tr { background: #fff6bf; }\n"
".absent { color: #888888; font-style: italic; }\n"
".was { color: #666666; }\n"
".aged { color: #8a1c00; text-transform: uppercase; font-size: 0.85em; }\n"
".exc { font-weight: bold; }\n"
"dl.rec { margin: 0; }\n"
"dl.rec dt, dl.rec dd { display: inline; margin: 0; }\n"
"dl.rec dt { color: #555555; }\n"
"dl.rec dt::after { content: \"=\"; }\n"
"dl.rec dd::after { content: \" \"; }\n"
"ol.dups { margin: 0; padding-left: 1.2rem; }\n"
"dl.controls dt { font-weight: bold; }\n"
"dl.controls dd { margin: 0 0 0.4rem 1.5rem; }\n"
"svg.trend { max-width: 100%; height: auto; }\n"
"figure { margin: 0.5rem 0; }\n"
"figcaption { font-style: italic; }\n"
"time { white-space: nowrap; }\n"
".verdict.significant h2 { color: #8a1c00; }\n"
".verdict.incomplete h2, .verdict.suspect h2 { color: #5c4400; }\n"
"footer { margin-top: 2rem; color: #666666; font-size: 0.85em; }\n"
"@media print { nav, details { display: none; } thead th { position: static; } }\n";

void report_write_css(FILE *out)
{
	out_write(out, css, strlen(css), "standard output");
}

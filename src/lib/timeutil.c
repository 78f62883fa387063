/* timeutil.c - see timeutil.h */
#include "timeutil.h"

#include <string.h>
#include <time.h>

/* Days from 1970-01-01 to Y-M-D (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* N decimal digits at S into *v; 0 or -1. */
static int digits(const char *s, int n, int *v)
{
	int x = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		x = x * 10 + (s[i] - '0');
	}
	*v = x;
	return 0;
}

static int days_in_month(int y, int m)
{
	static const int dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

int tu_parse_rfc3339(const char *s, size_t len, int64_t *out)
{
	int y, mo, d, h, mi, sec;
	if (len < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    s[13] != ':' || s[16] != ':')
		return -1;
	if (digits(s, 4, &y) || digits(s + 5, 2, &mo) || digits(s + 8, 2, &d) ||
	    digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) || digits(s + 17, 2, &sec))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 60)
		return -1;
	size_t i = 19;
	if (i < len && s[i] == '.') {
		i++;
		size_t start = i;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == start)
			return -1;
	}
	int64_t offset = 0;
	if (i < len) {
		if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == len) {
			i++;
		} else if (s[i] == '+' || s[i] == '-') {
			int oh, om;
			int sign = s[i] == '-' ? -1 : 1;
			i++;
			if (len - i == 5 && s[i + 2] == ':') {
				if (digits(s + i, 2, &oh) || digits(s + i + 3, 2, &om))
					return -1;
			} else if (len - i == 4) {
				if (digits(s + i, 2, &oh) || digits(s + i + 2, 2, &om))
					return -1;
			} else {
				return -1;
			}
			if (oh > 23 || om > 59)
				return -1;
			offset = sign * (oh * 3600 + om * 60);
			i = len;
		} else {
			return -1;
		}
	}
	if (i != len)
		return -1;
	*out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset;
	return 0;
}

void tu_format_utc(int64_t t, char out[TU_UTC_LEN + 1])
{
	int64_t days = t / 86400, rem = t % 86400;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	int64_t y;
	int m, d;
	civil_from_days(days, &y, &m, &d);
	if (y < 0)
		y = 0;
	if (y > 9999)
		y = 9999;
	/* by hand: sosr-normalize formats two timestamps per record */
	int f[6] = { (int)y, m, d, (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60) };
	static const char sep[6] = { '-', '-', 'T', ':', ':', 'Z' };
	char *p = out;
	for (int i = 0; i < 6; i++) {
		if (i == 0) {
			*p++ = (char)('0' + f[0] / 1000);
			*p++ = (char)('0' + f[0] / 100 % 10);
		}
		*p++ = (char)('0' + f[i] / 10 % 10);
		*p++ = (char)('0' + f[i] % 10);
		*p++ = sep[i];
	}
	*p = '\0';
}

double tu_monotonic(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void tu_format_stamp(int64_t t, char out[TU_STAMP_LEN + 1])
{
	char u[TU_UTC_LEN + 1];
	tu_format_utc(t, u);
	memcpy(out, u, 13);             /* YYYY-MM-DDTHH */
	memcpy(out + 13, u + 14, 2);    /* MM */
	memcpy(out + 15, u + 17, 2);    /* SS */
	out[17] = 'Z';
	out[18] = '\0';
}

int tu_parse_stamp(const char *s, int64_t *t)
{
	if (strlen(s) != TU_STAMP_LEN || s[10] != 'T' || s[17] != 'Z')
		return -1;
	char full[TU_UTC_LEN + 1];
	memcpy(full, s, 13);
	full[13] = ':';
	memcpy(full + 14, s + 13, 2);
	full[16] = ':';
	memcpy(full + 17, s + 15, 2);
	full[19] = 'Z';
	full[20] = '\0';
	return tu_parse_rfc3339(full, TU_UTC_LEN, t);
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * goalloc_json.h: a strict little JSON parser for the tests of
 * `goallocctl top --json` (the guest has no python or jq).  RFC 8259
 * grammar; numbers keep their text so integers read back exactly.
 * Header-only; every node is malloc()ed, gj_free() releases a tree.
 */
#ifndef GOALLOC_JSON_H
#define GOALLOC_JSON_H

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum gj_type { GJ_NULL, GJ_BOOL, GJ_NUM, GJ_STR, GJ_ARR, GJ_OBJ };

struct gj {
	enum gj_type type;
	int boolean;
	double num;
	char *text;		/* GJ_STR: the string; GJ_NUM: the number's text */
	char *key;		/* member name inside an object */
	struct gj **kids;
	int n;
};

static inline void gj_free(struct gj *j)
{
	int i;

	if (!j)
		return;
	for (i = 0; i < j->n; i++)
		gj_free(j->kids[i]);
	free(j->kids);
	free(j->text);
	free(j->key);
	free(j);
}

static inline const char *gj_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* A string at @p (at its opening quote); *@out: its value. */
static inline const char *gj_string(const char *p, char **out)
{
	size_t n = 0;
	char *s;

	if (*p++ != '"')
		return NULL;
	s = malloc(strlen(p) + 1);
	if (!s)
		return NULL;
	while (*p != '"') {
		if ((unsigned char)*p < 0x20)
			goto bad;
		if (*p != '\\') {
			s[n++] = *p++;
			continue;
		}
		p++;
		switch (*p) {
		case '"': case '\\': case '/':
			s[n++] = *p;
			break;
		case 'b': case 'f': case 'n': case 'r': case 't':
			/* The control escapes, by their place in "bfnrt". */
			s[n++] = "\b\f\n\r\t"[strchr("bfnrt", *p) - "bfnrt"];
			break;
		case 'u':
			if (!isxdigit(p[1]) || !isxdigit(p[2]) || !isxdigit(p[3]) || !isxdigit(p[4]))
				goto bad;
			s[n++] = '?';
			p += 4;
			break;
		default:
			goto bad;
		}
		p++;
	}
	s[n] = 0;
	*out = s;
	return p + 1;
bad:
	free(s);
	return NULL;
}

static inline const char *gj_value(const char *p, struct gj **out, int depth);

static inline int gj_add(struct gj *j, struct gj *kid)
{
	struct gj **k = realloc(j->kids, (j->n + 1) * sizeof(*k));

	if (!k)
		return -1;
	j->kids = k;
	k[j->n++] = kid;
	return 0;
}

/* One JSON value at @p; Return: the text after it, or NULL on error. */
static inline const char *gj_value(const char *p, struct gj **out, int depth)
{
	struct gj *j = calloc(1, sizeof(*j)), *kid;
	const char *q;
	char *key;

	if (!j || depth > 64)
		goto bad;
	p = gj_ws(p);
	if (*p == '{' || *p == '[') {
		char close = *p == '{' ? '}' : ']';

		j->type = *p == '{' ? GJ_OBJ : GJ_ARR;
		p = gj_ws(p + 1);
		if (*p == close) {
			*out = j;
			return p + 1;
		}
		for (;;) {
			key = NULL;
			if (j->type == GJ_OBJ) {
				p = gj_string(gj_ws(p), &key);
				if (!p)
					goto bad;
				p = gj_ws(p);
				if (*p++ != ':') {
					free(key);
					goto bad;
				}
			}
			p = gj_value(p, &kid, depth + 1);
			if (!p) {
				free(key);
				goto bad;
			}
			kid->key = key;
			if (gj_add(j, kid)) {
				gj_free(kid);
				goto bad;
			}
			p = gj_ws(p);
			if (*p == ',') {
				p++;
				continue;
			}
			if (*p++ != close)
				goto bad;
			*out = j;
			return p;
		}
	}
	if (*p == '"') {
		j->type = GJ_STR;
		p = gj_string(p, &j->text);
		if (!p)
			goto bad;
		*out = j;
		return p;
	}
	if (!strncmp(p, "true", 4) || !strncmp(p, "false", 5) || !strncmp(p, "null", 4)) {
		j->type = *p == 'n' ? GJ_NULL : GJ_BOOL;
		j->boolean = *p == 't';
		*out = j;
		return p + (*p == 'f' ? 5 : 4);
	}
	/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
	q = p;
	if (*q == '-')
		q++;
	if (*q == '0')
		q++;
	else if (*q >= '1' && *q <= '9')
		while (isdigit(*q))
			q++;
	else
		goto bad;
	if (*q == '.') {
		if (!isdigit(*++q))
			goto bad;
		while (isdigit(*q))
			q++;
	}
	if (*q == 'e' || *q == 'E') {
		q++;
		if (*q == '+' || *q == '-')
			q++;
		if (!isdigit(*q))
			goto bad;
		while (isdigit(*q))
			q++;
	}
	j->type = GJ_NUM;
	j->text = strndup(p, q - p);
	if (!j->text)
		goto bad;
	j->num = strtod(j->text, NULL);
	*out = j;
	return q;
bad:
	gj_free(j);
	return NULL;
}

/* The whole of @text as one JSON document, or NULL. */
static inline struct gj *gj_parse(const char *text)
{
	struct gj *j;
	const char *p = gj_value(text, &j, 0);

	if (!p)
		return NULL;
	if (*gj_ws(p)) {
		gj_free(j);
		return NULL;
	}
	return j;
}

/* Member @key of object @j, or NULL. */
static inline struct gj *gj_get(const struct gj *j, const char *key)
{
	int i;

	if (!j || j->type != GJ_OBJ)
		return NULL;
	for (i = 0; i < j->n; i++)
		if (!strcmp(j->kids[i]->key, key))
			return j->kids[i];
	return NULL;
}

/* Member @key of @j as an unsigned integer; UINT64_MAX if it is not one. */
static inline uint64_t gj_u64(const struct gj *j, const char *key)
{
	const struct gj *v = gj_get(j, key);

	if (!v || v->type != GJ_NUM || strpbrk(v->text, "-.eE"))
		return UINT64_MAX;
	return strtoull(v->text, NULL, 10);
}

/* Member @key of @j as a number; NaN-free -1e300 if it is not one. */
static inline double gj_num(const struct gj *j, const char *key)
{
	const struct gj *v = gj_get(j, key);

	return v && v->type == GJ_NUM ? v->num : -1e300;
}

#endif /* GOALLOC_JSON_H */

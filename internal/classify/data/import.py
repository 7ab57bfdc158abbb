#!/usr/bin/env python3
"""Derive the compact source tables in this directory from the shared site sources.

Run by hand (never by the build): python3 import.py /path/to/shared/data/sites
The Go builder reads only the files this script writes. What is dropped, and why,
is listed in docs/classify.md ("Sources and what was dropped").
"""
import csv, json, os, sys, collections

src = sys.argv[1]
here = os.path.dirname(os.path.abspath(__file__))

# Platforms and feed hosts: their domain says where a feed is hosted, not what it is about.
PLATFORMS = {'medium.com', 'feeds.feedburner.com', 'feedburner.com', 'youtube.com', 'reddit.com',
             'blogspot.com', 'wordpress.com', 'tumblr.com', 'substack.com', 'feeds.megaphone.fm',
             'megaphone.fm', 'anchor.fm', 'soundcloud.com', 'campaign-archive.com', 'github.com',
             'github.io', 'rapidapi.com', 'google.com', 'apple.com', 'amazon.com', 'yahoo.com',
             'msn.com', 'aol.com', 'go.com', 'about.com', 'typepad.com', 'blogs.com', 'libsyn.com',
             'podbean.com', 'buzzsprout.com', 'simplecast.com', 'omny.fm', 'art19.com', 'feedpress.me',
             'rss.com', 'spreaker.com', 'npr.org', 'scout.com', 'rivals.com', 'boston.com', 'kinja.com',
             'homestead.com', 'typepad.com', 'facebook.com', 'twitter.com', 'linkedin.com'}

def host_of(h):
    h = h.strip().lower().rstrip('.')
    return h[4:] if h.startswith('www.') else h

def platform(h):
    return any(h == p or h.endswith('.' + p) and h.count('.') <= p.count('.') + 0 for p in PLATFORMS) \
        or h.startswith('feeds.') or h.startswith('feed.') or h.startswith('rss.')

def clean(s):
    return ' '.join(s.replace('\t', ' ').split())

# --- Mozilla Interest Dashboard (MPL 2.0)
# Interests dropped: 'computers' (antivirus, hosting, hardware vendors: not Programming),
# 'outdoors' (hunting and fishing shops: not Travel), 'Parenting' (not Planning),
# 'arts' kept only where no other interest names the domain (mangafox.com is 'arts').
DROP = {'computers', 'outdoors', 'Parenting', 'Android', 'Entrepreneur'}
rules = collections.defaultdict(set)
with open(os.path.join(src, 'mozilla_interest_dashboard/mozilla_domain_interest.csv')) as f:
    for r in csv.DictReader(f):
        a, p = r['activity'], r['path_or_keyword']
        if not a or r['interest'] in DROP:
            continue
        if p and not p.startswith('/'):
            continue  # title/URL keyword rules of 58-cat: too vague ('us support', 'profile')
        if p and (len(p.strip('/')) < 3 or any(c.isdigit() for c in p)):
            continue  # '/1', '/2014': not a section
        rules[(host_of(r['domain']), p.lower().rstrip('/'))].add(a)
moz = []
for (h, p), acts in sorted(rules.items()):
    if len(acts) > 1:
        acts = acts - {'Art', 'News'}  # a portal's generic bucket next to a specific one
    if len(acts) != 1 or platform(h) and not p and h.count('.') < 2:
        continue
    a = acts.pop()
    if p and rules.get((h, '')) == {a}:
        continue  # the path says what the domain says
    moz.append((h + p, a))
with open(os.path.join(here, 'mozilla/domains.tsv'), 'w') as w:
    w.write('# Derived from mozilla/interest-dashboard (MPL 2.0) by ../import.py: host[/path]<TAB>activity\n')
    for k, a in moz:
        w.write(f'{k}\t{a}\n')

# --- awesome-rss-feeds (CC0)
REMAP = {('recommended', 'Web Development'): 'Programming', ('recommended', 'Startups'): '',
         ('recommended', 'Tech'): 'News'}
feeds = []
with open(os.path.join(src, 'awesome_rss_feeds/feeds.csv')) as f:
    for r in csv.DictReader(f):
        a = REMAP.get((r['list'], r['category']), r['activity'])
        if not a:
            continue
        h = host_of(r['domain'])
        if platform(h):
            h = ''
        t, d = clean(r['title']), clean(r['description'])
        if d.lower() in ('', 'in', 'just another wordpress site') or d == t:
            d = ''
        feeds.append((a, t, d, h))
with open(os.path.join(here, 'rss/feeds.tsv'), 'w') as w:
    w.write('# Derived from plenaryapp/awesome-rss-feeds (CC0) by ../import.py: activity<TAB>title<TAB>description<TAB>site host\n')
    for x in feeds:
        w.write('\t'.join(x) + '\n')

# --- public-apis (MIT): descriptions only; their hosts are API docs, not the topic.
# Categories dropped: Video and Anime (TV-show and anime databases, not streaming),
# Entertainment (jokes next to astrology and buzzwords).
DROPAPI = {'Video', 'Anime', 'Entertainment'}
apis = []
with open(os.path.join(src, 'public_apis/public_apis.csv')) as f:
    for r in csv.DictReader(f):
        if r['activity'] and r['category'] not in DROPAPI and len(r['description']) >= 12:
            apis.append((r['activity'], clean(r['name']), clean(r['description'])))
with open(os.path.join(here, 'publicapis/apis.tsv'), 'w') as w:
    w.write('# Derived from public-apis/public-apis (MIT) by ../import.py: activity<TAB>name<TAB>description\n')
    for x in apis:
        w.write('\t'.join(x) + '\n')

# --- Hipo university-domains-list (MIT). The cisagov .gov list is not copied: every
# entry ends in .gov, which the curated 'gov' suffix rule already covers.
uni = set()
with open(os.path.join(src, 'edu_gov_domains/edu_gov_domains.csv')) as f:
    for r in csv.DictReader(f):
        if r['source'].startswith('hipo'):
            uni.add(host_of(r['domain']))
with open(os.path.join(here, 'univ/domains.txt'), 'w') as w:
    w.write('# Derived from Hipo/university-domains-list (MIT) by ../import.py: one university domain per line\n')
    for h in sorted(uni):
        w.write(h + '\n')
print(len(moz), 'mozilla rules;', len(feeds), 'feeds;', len(apis), 'apis;', len(uni), 'university domains')

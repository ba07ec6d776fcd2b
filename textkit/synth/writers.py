"""Write a built corpus as the scrapers write their files, plus the ground truth beside them.

Formats follow ../shared/docs/scraper-formats.md field by field: weibo-search CSV (17-column list-literal
era and 21-column current), weibo-crawler CSV (BOM, CRLF, ``id\\t``, ragged original/repost rows) and JSON
(one line, nested ``retweet``, ``<br />``), weibo-crawler's comment CSV export (raw API times, including
relative and yearless forms), nghuyong ``tweet_spider_by_keyword`` JSONL and MediaCrawler Weibo comments
JSONL. A few records per file are deliberately malformed; the ground truth marks them.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

from textkit.io import atomic_path
from textkit.synth.build import ACCOUNTS, CRAWL_EPOCH, Corpus, Record

CST = timezone(timedelta(hours=8))
PLATFORM = "weibo"
KEYWORD = "西安一码通"

SEARCH_HEADER_17 = [
    "id",
    "bid",
    "user_id",
    "用户昵称",
    "微博正文",
    "头条文章url",
    "发布位置",
    "艾特用户",
    "话题",
    "转发数",
    "评论数",
    "点赞数",
    "发布时间",
    "发布工具",
    "微博图片url",
    "微博视频url",
    "retweet_id",
]
SEARCH_HEADER_21 = [*SEARCH_HEADER_17, "ip", "user_authentication", "会员类型", "会员等级"]
CRAWLER_MAIN = [
    "id",
    "bid",
    "正文",
    "头条文章url",
    "原始图片url",
    "视频url",
    "位置",
    "日期",
    "工具",
    "点赞数",
    "评论数",
    "转发数",
    "话题",
    "@用户",
    "完整日期",
]
CRAWLER_HEADER = [
    *CRAWLER_MAIN,
    "是否原创",
    "源用户id",
    "源用户昵称",
    "源微博id",
    "源微博bid",
    "源微博正文",
    "源微博头条文章url",
    "源微博原始图片url",
    "源微博视频url",
    "源微博位置",
    "源微博日期",
    "源微博工具",
    "源微博点赞数",
    "源微博评论数",
    "源微博转发数",
    "源微博话题",
    "源微博@用户",
    "源微博完整日期",
]
CRAWLER_COMMENT_HEADER = ["id", "weibo_id", "created_at", "user_screen_name", "text", "pic_url", "like_count"]

FORMATS = {
    "search1": "weibo-search-csv",
    "search2": "weibo-search-csv",
    "nghuyong": "nghuyong-jsonl",
    "mc_comments": "mediacrawler-weibo-comments-jsonl",
    "crawler_comments": "weibo-crawler-comments-csv",
    "acct_official": "weibo-crawler-csv",
    "acct_media": "weibo-crawler-json",
    "acct_resA": "weibo-crawler-csv",
    "acct_resB": "weibo-crawler-csv",
    "acct_resC": "weibo-crawler-json",
}
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_TOPIC = re.compile(r"#([^#\n]{1,30})#")
_MENTION = re.compile(r"@([\w\-]{2,30})")


def file_paths(corpus: Corpus) -> dict[str, str]:
    """Relative path of each output file, as the scrapers name them."""
    paths = {
        "search1": "weibo-search/结果文件/西安疫情/西安疫情.csv",
        "search2": f"weibo-search/结果文件/{KEYWORD}/{KEYWORD}.csv",
        "nghuyong": f"nghuyong/output/tweet_spider_by_keyword_{_dt(CRAWL_EPOCH):%Y%m%d%H%M%S}.jsonl",
        "mc_comments": f"mediacrawler/data/weibo/jsonl/search_comments_{_dt(CRAWL_EPOCH):%Y-%m-%d}.jsonl",
    }
    official_name = ACCOUNTS["acct_official"][0]
    for j, (key, (name, kind, _role)) in enumerate(ACCOUNTS.items()):
        paths[key] = f"weibo-crawler/weibo_data/{name}/{corpus.authors.uid[j]}.{kind}"
    paths["crawler_comments"] = f"weibo-crawler/weibo_data/{official_name}/{official_name}_comments.csv"
    return paths


def _topics(text: str) -> str:
    return ",".join(dict.fromkeys(_TOPIC.findall(text))) if "#" in text else ""


def _mentions(text: str) -> str:
    return ",".join(dict.fromkeys(_MENTION.findall(text))) if "@" in text else ""


def _dt(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, CST)


def _minute(epoch: int) -> str:
    return _dt(epoch).strftime("%Y-%m-%d %H:%M")


def _second(epoch: int) -> str:
    return _dt(epoch).strftime("%Y-%m-%d %H:%M:%S")


def _api_time(epoch: int) -> str:
    d = _dt(epoch)
    return f"{DAYS[d.weekday()]} {MONTHS[d.month - 1]} {d.day:02d} {d:%H:%M:%S} +0800 {d.year}"


def _count_text(value: int) -> str:
    """A count as Weibo's pages show it (``1.2万`` from ten thousand on)."""
    if value >= 10_000:
        return f"{value / 10_000:.1f}".rstrip("0").rstrip(".") + "万"
    return str(value)


def _pic_urls(seed: int, k: int) -> list[str]:
    """``k`` picture URLs derived from ``seed`` (a record number)."""
    urls = []
    for j in range(k):
        h = (seed * 0x9E3779B97F4A7C15 + j * 0xBF58476D1CE4E5B9) % (1 << 64)
        g = (h * 0x94D049BB133111EB + 0x2545F4914F6CDD1D) % (1 << 64)
        urls.append(f"http://ww{1 + h % 4}.sinaimg.cn/large/{h:016x}{g:016x}.jpg")
    return urls


class _Writer:
    def __init__(self, corpus: Corpus, out_dir: Path):
        self.corpus = corpus
        self.out = out_dir
        self.by_idx = {r.idx: r for r in corpus.records}
        self.paths = file_paths(corpus)
        self.truth: list[tuple] = []
        self.files: dict[str, dict] = {}
        # posts that reposts or copies point at are never the ones broken (comments may lose their note)
        self.referenced = {r.parent for r in corpus.records if r.kind == "repost"} | {
            r.dup_of for r in corpus.records
        }

    # --- helpers -------------------------------------------------------------------------------------
    def name(self, r: Record) -> str:
        return self.corpus.authors.name[r.author]

    def uid(self, r: Record) -> str:
        return self.corpus.authors.uid[r.author]

    def pick_malformed(self, records: list[Record], k: int) -> list[Record]:
        """``k`` records of a file that nothing else points at (chatter and support first)."""
        free = [r for r in records if r.idx not in self.referenced and not r.pii]
        unique = [r for r in free if r.dup_kind == "unique"]
        preferred = [r for r in unique if r.theme in ("chatter", "support")] or unique or free
        if not preferred:
            return []
        step = max(1, len(preferred) // (k + 1))
        chosen = [preferred[min(len(preferred) - 1, step * (i + 1))] for i in range(k)]
        chosen = list({r.idx: r for r in chosen}.values())
        for r in chosen:
            r.malformed = 1
        return chosen

    def add_truth(self, key: str, number: int, r: Record, written_text: str) -> None:
        parent = self.by_idx.get(r.dup_of)
        complaint = r.complaint
        self.truth.append(
            (
                PLATFORM,
                r.post_id,
                self.paths[key],
                FORMATS[key],
                number,
                r.kind,
                _dt(r.time).isoformat(),
                self.uid(r),
                r.theme,
                complaint,
                r.theme if complaint else "none",
                r.help_request,
                parent.post_id if parent is not None else "",
                r.dup_kind,
                _spans_json(written_text, r.pii),
                _spans_json(written_text, [("decoy", v) for v in r.decoys]),
                r.malformed,
                r.sentiment,
            )
        )

    def finish(self, key: str, data: bytes, records: int, malformed: int) -> None:
        path = self.out / self.paths[key]
        with atomic_path(path) as tmp:
            tmp.write_bytes(data)
        self.files[self.paths[key]] = {
            "format": FORMATS[key],
            "records": records,
            "malformed": malformed,
            "bytes": len(data),
        }

    def records(self, key: str) -> list[Record]:
        return [r for r in self.corpus.records if r.fmt == key]

    # --- weibo-search --------------------------------------------------------------------------------
    def search_row(
        self, r: Record, wide: bool, time_text: str | None = None, text: str | None = None
    ) -> list:
        text = r.text if text is None else text
        topics, mentions = _topics(text), _mentions(text)
        n_pics = (0, 0, 0, 0, 0, 0, 0, 1, 2, 3)[r.idx * 7919 % 10]
        pics = _pic_urls(r.idx, n_pics) if n_pics else []
        parent = self.by_idx.get(r.parent)
        row = [
            r.post_id,
            r.bid,
            self.uid(r),
            self.name(r),
            text,
            "",
            "西安·" + ("大雁塔" if r.idx % 3 else "钟楼") if r.idx % 53 == 0 else "",
            mentions,
            topics,
            _count_text(r.reposts),
            _count_text(r.comments),
            _count_text(r.likes),
            time_text or _minute(r.time),
            self.corpus_source(r),
            ",".join(pics) if wide else (repr(pics) if pics else ""),
            "",
            parent.post_id if (parent is not None and r.kind == "repost") else "",
        ]
        if wide:
            verified = (
                "蓝V" if r.theme in ("news", "official") else ("黄V" if r.idx % 17 == 0 else "普通用户")
            )
            row += [
                "陕西" if r.idx % 4 else "",
                verified,
                "会员" if r.idx % 7 == 0 else "非会员",
                str(1 + r.idx % 7) if r.idx % 7 == 0 else "",
            ]
        return row

    def corpus_source(self, r: Record) -> str:
        from textkit.synth.phrases import SOURCES

        return SOURCES[(r.author * 7 + r.idx) % len(SOURCES)]

    def write_search(self, key: str, wide: bool) -> None:
        records = self.records(key)
        if not records:
            return
        storm_originals = {r.idx for r in records if r.storm >= 0 and r.kind == "post"}
        members_here = {r.parent for r in records if r.kind == "repost" and r.parent in storm_originals}
        bad_time = {r.idx for r in self.pick_malformed(records, 1)}
        tail = [] if wide else self.pick_malformed([r for r in records if r.idx not in bad_time], 1)
        tail_ids = {r.idx for r in tail}
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(SEARCH_HEADER_21 if wide else SEARCH_HEADER_17)
        number = 0
        emitted: set[int] = set()
        for r in records:
            if r.idx in tail_ids or (r.idx in members_here and r.idx not in emitted):
                continue
            if r.kind == "repost" and r.parent in members_here and r.parent not in emitted:
                original = self.by_idx[r.parent]
                number += 1
                writer.writerow(self.search_row(original, wide))
                self.add_truth(key, number, original, original.text)
                emitted.add(original.idx)
            number += 1
            time_text = f"2021-12-3{r.idx % 10} 25:61" if r.idx in bad_time else None
            writer.writerow(self.search_row(r, wide, time_text))
            self.add_truth(key, number, r, r.text)
        text = buf.getvalue()
        for r in tail:  # an unterminated quote at the very end of the file (a crawl killed mid-write)
            number += 1
            row = self.search_row(r, wide)
            head = io.StringIO()
            csv.writer(head).writerow(row[:4])
            text += head.getvalue().rstrip("\r\n") + ',"' + r.text + "，后面的内容没写完"
            self.add_truth(key, number, r, r.text)
        self.finish(key, text.encode("utf-8-sig"), number, len(bad_time) + len(tail))

    # --- nghuyong ------------------------------------------------------------------------------------
    def write_nghuyong(self) -> None:
        key = "nghuyong"
        records = self.records(key)
        if not records:
            return
        broken = {r.idx for r in self.pick_malformed(records, 1)}
        bad_time = {r.idx for r in self.pick_malformed([r for r in records if r.idx not in broken], 1)}
        lines = []
        for number, r in enumerate(records, start=1):
            parent = self.by_idx.get(r.parent)
            item = {
                "_id": r.post_id,
                "mblogid": r.bid,
                "created_at": "Invalid date" if r.idx in bad_time else _second(r.time),
                "geo": None,
                "ip_location": None,
                "reposts_count": r.reposts,
                "comments_count": r.comments,
                "attitudes_count": r.likes,
                "source": self.corpus_source(r),
                "content": r.text,
                "pic_urls": [],
                "pic_num": 0,
                "isLongText": len(r.text) > 140,
                "is_retweet": r.kind == "repost",
                "user": {
                    "_id": self.uid(r),
                    "avatar_hd": f"https://tvax1.sinaimg.cn/crop.0.0.180.180.1024/{int(self.uid(r)):x}.jpg",
                    "nick_name": self.name(r),
                    "verified": False,
                    "mbrank": 0,
                    "mbtype": 0,
                },
                "url": f"https://weibo.com/{self.uid(r)}/{r.bid}",
            }
            if r.kind == "repost" and parent is not None:
                item["retweet_id"] = parent.post_id
            item["keyword"] = KEYWORD
            item["crawl_time"] = CRAWL_EPOCH + number // 40
            line = json.dumps(item, ensure_ascii=False)
            if r.idx in broken:
                line = line[: len(line) // 2]
            lines.append(line + "\n")
            self.add_truth(key, number, r, r.text)
        self.finish(key, "".join(lines).encode("utf-8"), len(records), len(broken) + len(bad_time))

    # --- MediaCrawler --------------------------------------------------------------------------------
    def write_mediacrawler(self) -> None:
        key = "mc_comments"
        records = self.records(key)
        if not records:
            return
        broken = {r.idx for r in self.pick_malformed(records, 1)}
        bad_time = {r.idx for r in self.pick_malformed([r for r in records if r.idx not in broken], 1)}
        lines = []
        for number, r in enumerate(records, start=1):
            likes = str(r.likes)
            if number % 997 == 0:
                likes = "1.2万"
            elif number % 1999 == 0:
                likes = "100万+"
            item = {
                "comment_id": r.post_id,
                "create_time": "not-a-time" if r.idx in bad_time else r.time,
                "create_date_time": (
                    "0000-00-00 00:00:00+08:00"
                    if r.idx in bad_time
                    else _dt(r.time).strftime("%Y-%m-%d %H:%M:%S+08:00")
                ),
                "note_id": self.by_idx[r.parent].post_id,
                "content": r.text,
                "sub_comment_count": str(r.comments % 4),
                "comment_like_count": likes,
                "last_modify_ts": CRAWL_EPOCH * 1000 + number * 37,
                "ip_location": "陕西" if r.idx % 5 else "",
                "parent_comment_id": r.post_id,
                "user_id": self.uid(r),
                "nickname": self.name(r),
                "gender": self.corpus.authors.gender[r.author],
                "profile_url": f"https://m.weibo.cn/u/{self.uid(r)}",
                "avatar": f"https://tvax2.sinaimg.cn/crop.0.0.180.180.180/{int(self.uid(r)):x}.jpg",
            }
            line = json.dumps(item, ensure_ascii=False)
            if r.idx in broken:
                line = line[: len(line) * 2 // 3]
            lines.append(line + "\n")
            self.add_truth(key, number, r, r.text)
        self.finish(key, "".join(lines).encode("utf-8"), len(records), len(broken) + len(bad_time))

    # --- weibo-crawler -------------------------------------------------------------------------------
    def crawler_values(self, r: Record, text: str) -> list:
        topics, mentions = _topics(text), _mentions(text)
        return [
            r.post_id + "\t",
            r.bid,
            text,
            "",
            "",
            "",
            "",
            _dt(r.time).strftime("%Y-%m-%dT%H:%M:%S"),
            self.corpus_source(r),
            r.likes,
            r.comments,
            r.reposts,
            topics,
            mentions,
            _second(r.time),
        ]

    def write_crawler_csv(self, key: str) -> None:
        records = sorted(self.records(key), key=lambda r: -r.time)  # the API lists newest first
        if not records:
            return
        bad_time = {r.idx for r in self.pick_malformed(records, 1)} if key == "acct_official" else set()
        buf = io.StringIO()
        writer = csv.writer(buf)  # CRLF record ends, LF inside quoted text, as csv.writer writes them
        writer.writerow(CRAWLER_HEADER)
        for number, r in enumerate(records, start=1):
            row = self.crawler_values(r, r.text)
            if r.idx in bad_time:
                row[7], row[14] = "2022-02-30T25:61:00", "2022-02-30 25:61:00"
            parent = self.by_idx.get(r.parent)
            if r.kind == "repost" and parent is not None:
                src = self.crawler_values(parent, parent.text)
                row += ["False", self.uid(parent), self.name(parent), *src[:7], *src[7:]]
            else:
                row.append("True")
            writer.writerow(row)
            self.add_truth(key, number, r, r.text)
        self.finish(key, buf.getvalue().encode("utf-8-sig"), len(records), len(bad_time))

    def json_post(self, r: Record, *, old_run: bool) -> dict:
        text = r.text.replace("\n", "<br />")
        if r.theme == "news":
            text = text.replace("】", "】<br />", 1)
        topics, mentions = _topics(r.text), _mentions(r.text)
        post = {
            "user_id": int(self.uid(r)),
            "screen_name": self.name(r),
            "id": int(r.post_id),
            "bid": r.bid,
            "text": text,
            "article_url": "",
            "pics": "",
            "video_url": "",
            "location": "",
            "created_at": (
                _dt(r.time).strftime("%Y-%m-%d") if old_run else _dt(r.time).strftime("%Y-%m-%dT%H:%M:%S")
            ),
            "source": self.corpus_source(r),
            "attitudes_count": r.likes,
            "comments_count": r.comments,
            "reposts_count": r.reposts,
            "topics": topics,
            "at_users": mentions,
        }
        if not old_run:
            post["full_created_at"] = _second(r.time)
        return post

    def write_crawler_json(self, key: str) -> None:
        records = sorted(self.records(key), key=lambda r: -r.time)
        if not records:
            return
        j = list(ACCOUNTS).index(key)
        authors = self.corpus.authors
        bad_time = {r.idx for r in self.pick_malformed(records, 1)} if key == "acct_media" else set()
        role = ACCOUNTS[key][2]
        user = {
            "id": authors.uid[j],
            "screen_name": authors.name[j],
            "gender": authors.gender[j],
            "birthday": "",
            "location": "陕西 西安",
            "education": "",
            "company": "",
            "registration_time": "2012-03-08",
            "sunshine": "信用极好",
            "statuses_count": 4000 + 3 * len(records),
            "followers_count": authors.followers[j],
            "follow_count": 180 + j,
            "description": "合成演示账号（synthetic demo account）",
            "profile_url": f"https://m.weibo.cn/u/{authors.uid[j]}",
            "profile_image_url": f"https://tvax3.sinaimg.cn/crop.0.0.180.180.180/{int(authors.uid[j]):x}.jpg",
            "avatar_hd": f"https://tvax3.sinaimg.cn/crop.0.0.1024.1024.1024/{int(authors.uid[j]):x}.jpg",
            "urank": 30 + j,
            "mbrank": 5 if role == "resident" else 0,
            "verified": role != "resident",
            "verified_type": 1 if role != "resident" else -1,
            "verified_reason": "合成演示账号" if role != "resident" else "",
        }
        weibo = []
        switch = int(datetime(2022, 1, 1, tzinfo=CST).timestamp())
        for number, r in enumerate(records, start=1):
            post = self.json_post(r, old_run=r.time < switch and role == "media")
            if r.idx in bad_time:
                post["created_at"], post["full_created_at"] = "2022-02-30T25:61:00", "2022-02-30 25:61:00"
            parent = self.by_idx.get(r.parent)
            if r.kind == "repost" and parent is not None:
                post["retweet"] = self.json_post(parent, old_run=False)
            weibo.append(post)
            self.add_truth(key, number, r, post["text"])
        data = json.dumps({"user": user, "weibo": weibo}, ensure_ascii=False)
        self.finish(key, data.encode("utf-8"), len(records), len(bad_time))

    def write_crawler_comments(self) -> None:
        key = "crawler_comments"
        records = sorted(self.records(key), key=lambda r: -r.time)
        if not records:
            return
        bad_time = {r.idx for r in self.pick_malformed(records, 1)}
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(CRAWLER_COMMENT_HEADER)
        for number, r in enumerate(records, start=1):
            when = "发布于火星" if r.idx in bad_time else self.comment_time(r)
            writer.writerow(
                [r.post_id, self.by_idx[r.parent].post_id, when, self.name(r), r.text, "", r.likes]
            )
            self.add_truth(key, number, r, r.text)
        self.finish(key, buf.getvalue().encode("utf-8-sig"), len(records), len(bad_time))

    def comment_time(self, r: Record) -> str:
        """The raw time string the comment API gave: relative near the crawl, yearless or RFC-style before."""
        age = CRAWL_EPOCH - r.time
        d, crawl = _dt(r.time), _dt(CRAWL_EPOCH)
        if age < 60:
            return "刚刚"
        if age < 3600:
            return f"{age // 60}分钟前"
        if age < 24 * 3600 and r.idx % 2:
            return f"{age // 3600}小时前"
        if d.date() == crawl.date():
            return f"今天 {d:%H:%M}"
        if d.date() == (crawl - timedelta(days=1)).date():
            return f"昨天 {d:%H:%M}"
        if r.idx % 20 < 9:
            return f"{d.month}月{d.day:02d}日 {d:%H:%M}"
        return _api_time(r.time)

    # --- ground truth and marker ---------------------------------------------------------------------
    def write_truth(self) -> None:
        rows = sorted(self.truth, key=lambda t: (t[2], t[4]))  # source_file, source_record
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(TRUTH_COLUMNS)
        writer.writerows(rows)
        raw = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as gz:
            gz.write(buf.getvalue().encode("utf-8"))
        path = self.out / TRUTH_FILE
        with atomic_path(path) as tmp:
            tmp.write_bytes(raw.getvalue())


TRUTH_FILE = "truth/ground_truth.csv.gz"
TRUTH_COLUMNS = (
    "platform",
    "post_id",
    "source_file",
    "source_format",
    "source_record",
    "kind",
    "created_at",
    "author_id",
    "theme",
    "complaint",
    "category",
    "help_request",
    "duplicate_of",
    "dup_kind",
    "pii",
    "decoys",
    "malformed",
    "sentiment",
)


def _spans_json(text: str, items: list[tuple[str, str]]) -> str:
    return json.dumps(_spans(text, items), ensure_ascii=False) if items else "[]"


def _spans(text: str, items: list[tuple[str, str]]) -> list[dict]:
    """Locate each (type, value) in ``text`` in order of appearance."""
    spans, pos = [], 0
    for kind, value in items:
        start = text.find(value, pos)
        if start < 0:
            raise AssertionError(f"generated value {value!r} not found in its text")
        spans.append({"type": kind, "start": start, "end": start + len(value), "value": value})
        pos = start + len(value)
    return spans


def write_all(corpus: Corpus, out_dir: Path) -> tuple[dict[str, dict], list[tuple]]:
    """Write every scraper file and the ground truth; return (file summary, truth rows, see TRUTH_COLUMNS)."""
    w = _Writer(corpus, out_dir)
    w.write_search("search1", wide=False)
    w.write_search("search2", wide=True)
    w.write_nghuyong()
    w.write_mediacrawler()
    for key, (_name, kind, _role) in ACCOUNTS.items():
        if kind == "csv":
            w.write_crawler_csv(key)
        else:
            w.write_crawler_json(key)
    w.write_crawler_comments()
    w.write_truth()
    return w.files, w.truth

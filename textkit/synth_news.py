"""Synthetic news articles about the Xi'an outbreak and 一码通 outages, in Chinese and English.

Every sentence, headline and outlet here was written for this project: the outlets are invented
(``Example Daily``, ``示例日报``, hosts under the reserved ``.example`` domain) and no real article
text is used; only the dates of the events the stories follow are real (``data/events.csv``).

A *story* is one report; syndicated stories are republished by other outlets of the same language
with a new headline, dropped or shortened paragraphs, reworded phrases and an outlet dateline —
the way a wire story travels. :func:`generate_articles` writes

* ``news/mediacloud_search_export.csv`` — the newer Media Cloud search export (``id, indexed_date,
  publish_date, title, url, language, media_name, media_url``; ``publish_date`` in UTC without zone,
  ``language`` as the outlet states it, sometimes wrong or empty);
* ``news/articles.jsonl`` — the article texts as trafilatura writes them (``title, author, hostname,
  sitename, date, url, text``; ``date`` is the outlet's local date);
* ``truth/articles_truth.csv`` — ground truth per article: ``article_id`` (the export id), ``url``,
  ``story_id``, ``canonical`` (1 for the story's original placement), ``language``, ``outlet``,
  ``published_at`` (China time). Not scraper data: list it in the corpus marker's ``non_data``.

The same seed and parameters give byte-identical files.
"""

from __future__ import annotations

import json
import os
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from textkit.io import write_csv, write_text

MEDIACLOUD_FILE = "news/mediacloud_search_export.csv"
JSONL_FILE = "news/articles.jsonl"
TRUTH_FILE = "truth/articles_truth.csv"
DEFAULT_SEED = 20220104
DEFAULT_STORIES = 110

OUTLETS = {
    "en": [
        ("Demo Wire Service", True),
        ("Example Daily", False),
        ("Sample Herald", False),
        ("Placeholder Times", False),
        ("Mock Gazette", False),
        ("Fictional Post", False),
        ("Test Tribune", False),
        ("Specimen Chronicle", False),
        ("Dummy Observer", False),
        ("Generic Courier", False),
        ("Invented Monitor", False),
        ("Model Ledger", False),
    ],
    "zh": [
        ("演示通讯社", True),
        ("示例日报", False),
        ("样例晚报", False),
        ("虚构新闻网", False),
        ("模拟时报", False),
        ("测试周刊", False),
        ("范例商报", False),
        ("假想都市报", False),
        ("样本财经", False),
        ("演示晨报", False),
    ],
}
_HOSTS = {
    "演示通讯社": "demo-wire-cn",
    "示例日报": "example-daily-cn",
    "样例晚报": "sample-evening",
    "虚构新闻网": "fiction-news",
    "模拟时报": "mock-times-cn",
    "测试周刊": "test-weekly",
    "范例商报": "model-business",
    "假想都市报": "imagined-metro",
    "样本财经": "sample-finance",
    "演示晨报": "demo-morning",
}

# beat -> (time of the event in China time, share of stories)
BEATS = {
    "testing": ("2021-12-19 21:00", 0.08),
    "crash1": ("2021-12-20 08:30", 0.18),
    "lockdown": ("2021-12-22 23:00", 0.14),
    "supplies": ("2021-12-27 10:00", 0.08),
    "miit": ("2021-12-31 09:00", 0.06),
    "crash2": ("2022-01-04 09:30", 0.18),
    "hospital": ("2022-01-05 09:00", 0.12),
    "suspension": ("2022-01-05 08:00", 0.10),
    "easing": ("2022-01-24 10:00", 0.06),
}

LEADS = {
    "en": {
        "testing": [
            "Long queues formed at testing sites across Xi'an on {weekday} night after the city required a "
            "negative test from the past 48 hours to enter public venues, {name}, {role}, told reporters.",
            "Thousands of residents in {district} waited in the cold for nucleic acid tests late into the "
            "night, as a new 48-hour testing rule for offices and shops took effect.",
        ],
        "crash1": [
            "Xi'an's health code system, known locally as One Code Pass, crashed on {weekday} morning, "
            "leaving residents unable to show test results or board buses.",
            "The health code app used by the 13 million people of Xi'an stopped working for most of "
            "{weekday}, in the first crash of the One Code Pass system since the outbreak began.",
            "Residents across Xi'an reported that the One Code Pass health code would not load on "
            "{weekday}, a crash that stranded commuters at metro gates for hours.",
        ],
        "lockdown": [
            "Xi'an ordered a citywide lockdown from midnight, barring its 13 million residents from "
            "leaving home except for essential reasons, {name}, {role}, said.",
            "Authorities put Xi'an under citywide lockdown, allowing one person per household to "
            "shop every {n_small} days as cases rose in {district}.",
        ],
        "supplies": [
            "Residents of locked-down Xi'an complained of empty shelves and late grocery deliveries, "
            "with some in {district} saying they had run short of vegetables and rice.",
            "Food supplies became a concern in Xi'an as volunteers struggled to deliver groceries to "
            "sealed compounds in {district}.",
        ],
        "miit": [
            "An official of the Ministry of Industry and Information Technology inspected Shaanxi and "
            "ordered the health code system hardened against further crashes.",
            "China's industry ministry sent an official to Shaanxi to inspect the health code system and "
            "demanded upgrades before the next round of mass testing.",
        ],
        "crash2": [
            "Xi'an's One Code Pass health code crashed again on {weekday} during citywide testing, and "
            "testing sites had to type ID numbers by hand.",
            "For the second time in two weeks, the health code system in Xi'an crashed as millions "
            "queued for citywide testing, forcing staff at testing sites to record ID numbers by hand.",
            "The One Code Pass app went down again on {weekday} morning, a crash that left testing "
            "sites in {district} writing down ID numbers by hand.",
        ],
        "hospital": [
            "A pregnant woman in Xi'an lost her baby after she was kept waiting outside a hospital for "
            "more than two hours, a video that spread widely on social media showed.",
            "Outrage grew over a hospital in Xi'an that turned away a pregnant woman because of "
            "her health code status; she lost her baby after waiting outside.",
        ],
        "suspension": [
            "The head of the Xi'an Big Data Resources Administration, which runs the health code "
            "system, was suspended early on {weekday}, state media reported.",
            "Xi'an suspended the official in charge of its Big Data Resources Administration "
            "after repeated crashes of the health code, naming a replacement.",
        ],
        "easing": [
            "Xi'an began easing its lockdown as more areas were declared low-risk, allowing residents of "
            "{district} to leave their compounds.",
            "The lockdown in Xi'an was eased after a month as officials declared areas low-risk and "
            "shops in {district} reopened.",
        ],
    },
    "zh": {
        "testing": [
            "{weekday}晚，西安要求进入公共场所须持48小时核酸阴性证明，{district}多个检测点排起长队，"
            "{role}{name}表示排队人数远超预期。",
            "48小时核酸证明新规实施后，{district}居民深夜仍在寒风中排队等待核酸检测。",
        ],
        "crash1": [
            "{weekday}上午，西安“一码通”健康码系统崩溃，大量市民无法出示核酸结果，乘车出行受阻。",
            "西安一码通第一次出现大范围崩溃，健康码页面长时间无法加载，{district}地铁口滞留大量乘客。",
            "{weekday}一早，西安市民反映一码通打不开，健康码系统崩溃持续了大半天。",
        ],
        "lockdown": [
            "西安自零时起实行全市封闭式管理，除必要情况外居民不得外出，{role}{name}介绍了具体安排。",
            "西安宣布全市封闭式管理，每户每{n_small}天可派一名家庭成员外出采购生活物资。",
        ],
        "supplies": [
            "封闭式管理期间，{district}部分小区居民反映蔬菜、米面等生活物资配送不及时。",
            "西安多个小区出现物资短缺，志愿者在{district}挨家挨户配送蔬菜和生活用品。",
        ],
        "miit": [
            "工信部官员赴陕西督导，要求加固健康码系统，防止再次崩溃。",
            "工业和信息化部派员赴陕，对西安健康码系统开展督导检查，要求在下一轮全员核酸前完成扩容。",
        ],
        "crash2": [
            "{weekday}上午全员核酸期间，西安一码通再次崩溃，检测点只能手工登记身份证号。",
            "两周内第二次，西安健康码系统在全员核酸时再次崩溃，{district}检测点改为手工登记身份证号。",
            "一码通再次崩溃，{district}多个核酸检测点排队人群滞留，工作人员手工登记身份证号码。",
        ],
        "hospital": [
            "西安一名孕妇在医院门口等待两个多小时后流产，相关视频在微博引发热议。",
            "因核酸结果问题被医院拒收，西安一名孕妇在门外等待两个多小时后失去胎儿，引发舆论关注。",
        ],
        "suspension": [
            "西安市大数据资源管理局负责人被停职检查，该局负责一码通健康码系统的运行。",
            "一码通多次崩溃后，西安市大数据资源管理局主要负责人被停职，另有人员接任。",
        ],
        "easing": [
            "西安部分地区降为低风险，{district}居民可以走出小区，封控逐步解除。",
            "随着多个区域降为低风险，西安逐步解除封控，{district}商铺陆续恢复营业。",
        ],
    },
}

HEADLINES = {
    "en": {
        "testing": [
            "Xi'an queues for tests as 48-hour rule starts",
            "Night-long test queues in {district}",
            "New testing rule leaves Xi'an residents waiting",
            "Xi'an tightens entry rules with test demand",
        ],
        "crash1": [
            "Xi'an health code crashes under traffic",
            "One Code Pass outage strands Xi'an commuters",
            "Health app failure halts Xi'an for a day",
            "Xi'an residents locked out by code crash",
            "Outage hits Xi'an's pandemic pass",
        ],
        "lockdown": [
            "Xi'an locks down 13 million",
            "Citywide lockdown ordered in Xi'an",
            "Xi'an residents told to stay home",
            "Lockdown begins in northwestern city",
        ],
        "supplies": [
            "Xi'an residents report food shortages",
            "Grocery deliveries lag in locked-down Xi'an",
            "Empty shelves worry Xi'an households",
        ],
        "miit": [
            "Ministry orders health code upgrade",
            "Beijing sends inspector over Xi'an app",
            "Official inspects Shaanxi health code system",
        ],
        "crash2": [
            "Xi'an health code crashes again",
            "Second outage hits Xi'an testing drive",
            "Testing sites return to pen and paper",
            "Code failure slows mass testing in Xi'an",
            "Xi'an's pass fails during mass testing",
        ],
        "hospital": [
            "Pregnant woman loses baby outside Xi'an hospital",
            "Hospital turned away pregnant woman",
            "Xi'an hospital case sparks anger",
            "Anger after miscarriage outside hospital",
        ],
        "suspension": [
            "Xi'an data official suspended after crashes",
            "Health code chief suspended",
            "Xi'an replaces head of big data bureau",
            "Official removed over code failures",
        ],
        "easing": [
            "Xi'an starts to ease lockdown",
            "Low-risk areas reopen in Xi'an",
            "Xi'an residents allowed out as curbs ease",
        ],
    },
    "zh": {
        "testing": [
            "西安核酸检测点深夜排长队",
            "48小时核酸新规实施 {district}检测点人满为患",
            "西安：进入公共场所须持核酸证明",
            "核酸新规首日 市民排队到深夜",
        ],
        "crash1": [
            "西安一码通崩溃",
            "健康码打不开 西安市民出行受阻",
            "一码通故障一整天",
            "西安健康码系统崩溃 乘车受阻",
            "一码通“罢工” 市民无法出示核酸结果",
        ],
        "lockdown": [
            "西安实行全市封闭式管理",
            "西安封城 居民非必要不外出",
            "西安全市封控首日",
            "西安宣布封闭式管理措施",
        ],
        "supplies": ["西安部分小区物资配送不及时", "封控下的菜篮子", "西安居民反映生活物资紧张"],
        "miit": ["工信部督导西安健康码系统", "工信部要求加固一码通", "健康码系统迎来督导检查"],
        "crash2": [
            "西安一码通再次崩溃",
            "全员核酸遇上一码通崩溃",
            "检测点改为手工登记",
            "一码通二次崩溃 核酸检测受阻",
            "健康码再度故障 检测点排长队",
        ],
        "hospital": [
            "西安孕妇医院门口等待两小时后流产",
            "孕妇被拒收事件引发关注",
            "医院拒收孕妇 视频引发热议",
        ],
        "suspension": [
            "西安市大数据资源管理局负责人被停职",
            "一码通崩溃后 大数据局负责人停职检查",
            "西安大数据局换帅",
        ],
        "easing": ["西安部分地区降为低风险", "西安逐步解除封控", "{district}居民走出小区"],
    },
}

BODY = {  # [a|b|c] picks one alternative per use, so two stories rarely share a sentence word for word
    "en": [
        "{name}, a {job} in {district}, said [she|he] had [waited|queued|stood in line] for {n} minutes "
        "[before giving up|and then went home|without reaching the front].",
        "[Local officials|The district government|Health authorities] said the number of new cases in "
        "{district} had [risen|climbed|grown] to {cases} on {weekday}.",
        "[Volunteers|Helpers|Community workers] in [orange|red|blue] vests [handed out|distributed|gave out] "
        "numbered slips to people [waiting|standing] in line at {place}.",
        "A notice [posted|published|issued] by the [district|city|street] government asked residents to "
        "[stay calm|remain patient|keep their distance] and follow [instructions|the rules|the guidance].",
        "{name}, who runs a {shop} near {place}, said [business|trade|custom] had "
        "[stopped|dried up|fallen away] almost entirely [this week|since the weekend|in recent days].",
        "Screenshots of a [spinning|frozen|blank] loading [icon|page|screen] "
        "were shared [thousands of|hundreds of|countless] times within [an hour|minutes|the morning].",
        "The city has reported {cases} local infections since [the start of the month|early December|the "
        "outbreak began], according to [officials|the health commission|state media].",
        "Buses on route {route} [stopped letting|no longer let|refused to let] passengers board without a "
        "green code, [riders|passengers|commuters] said.",
        "{name}, a retired {job}, said [his|her] neighbours had [organised|set up|started] a group chat to "
        "[share updates|swap news|pool orders].",
        "[Hotlines|Phone lines|Help lines] set up by the city were busy for [most of the day|hours|the whole "
        "morning], [several|many|a number of] callers said.",
        "The [developer|operator|contractor] of the system did not [respond to|answer|reply to] a request "
        "for comment [on {weekday}|by the time of publication|before publication].",
        "Some residents said they had been asked to show the same test result at [three|four|several] "
        "[checkpoints|gates|counters] [in one day|before noon|on the way to work].",
        "Staff at {place} said they [worked through the night|did double shifts|stayed until dawn] with "
        "{n_small} extra volunteers.",
        "[Officials|Managers|Organisers] promised that deliveries to {district} "
        "would return to normal within {n_small} days.",
        "Temperatures [in the city|across Xi'an|in {district}] fell below freezing overnight, "
        "making the wait [harder|tougher|more painful] for [older people|the elderly|parents with children].",
        "A community worker in {district} said each [building|block|compound] now had a volunteer in charge "
        "of [supplies|groceries|medicine runs].",
        "Online, [users|commenters|residents] questioned why the system had not been [tested|stress-tested|"
        "checked] before the new rule took effect.",
        "{name}, a {job}, said [her|his] parents could not use smartphones and relied on [paper records|"
        "printed slips|handwritten notes].",
        "The city said it had added {n} servers and expected the system to [cope with|handle|withstand] "
        "[demand|the load|the traffic].",
        "Schools in {district} moved classes online for the rest of the [term|semester|month], "
        "[teachers|parents|a headteacher] said.",
        "Traffic on the [ring road|main avenues|expressway] was light, with only [delivery vans|couriers|"
        "supply trucks] and ambulances on the move.",
        "Residents in {district} were told to expect another round of testing within {n_small} days.",
        "[A pharmacist|A doctor|A clinic worker] near {place} said [prescriptions|refills|appointments] had "
        "been delayed by {n_small} days.",
        "[Photos|Videos|Clips] from {district} showed "
        "[empty streets|closed shop fronts|queues in the dark] on {weekday}.",
    ],
    "zh": [
        "{district}居民{name}说，[她|他]在{place}[排了|等了|站了]{n}分钟[队|左右|之久]，[最后只好先回家|仍没排到|才轮到自己]。",
        "据[当地通报|区政府通报|卫健委消息]，{weekday}{district}新增本土确诊病例{cases}例。",
        "[身穿|穿着]{color}马甲的[志愿者|社区工作者|网格员]在{place}给排队[群众|居民|市民]发放号码条。",
        "[区政府|街道办|市政府]发布通知，请居民[保持冷静|耐心等待|保持距离]，听从[社区安排|统一调度|工作人员指挥]。",
        "在{place}附近经营{shop}的{name}说，生意[几乎完全停了|一落千丈|这几天基本没有]。",
        "加载[图标一直转圈|页面一片空白|界面卡住不动]的截图在[一小时|几分钟|一个上午]内被转发[数千次|上万次|无数次]。",
        "[官方数据|卫健委数据|通报]显示，[本月以来|十二月以来|本轮疫情以来]西安累计报告本土感染者{cases}例。",
        "有[乘客|市民|通勤者]说，{route}路公交车[要求出示绿码才能上车|不再让没有绿码的人上车|拒载无绿码乘客]。",
        "退休{job}{name}说，邻居们[建了一个群|拉了个微信群|组织了团购群]，[互相通报最新消息|一起拼单买菜|分享各类信息]。",
        "[多位|不少|好几位]市民表示，市里开通的[热线电话|咨询电话|求助热线][一整天|一上午|几个小时]都占线。",
        "系统[开发方|运营方|承建方][未回应|没有回复|截至发稿未回应]记者的采访请求。",
        "有居民说，同一份核酸结果要在[三|四|好几]个[检查点|卡口|关口]反复出示。",
        "{place}的工作人员说，他们和{n_small}名临时志愿者[通宵工作|连轴转|一直忙到天亮]。",
        "[相关负责人|区里负责人|街道负责人]表示，{district}的物资配送将在{n_small}天内恢复正常。",
        "[夜间|凌晨|入夜后]气温降到零度以下，[老年人|带孩子的家长|体弱的居民]排队更加困难。",
        "{district}一名社区工作人员说，现在每[栋楼|个单元|个院子]都有一名志愿者负责[物资|买菜|送药]。",
        "有[网友|市民|评论者]质疑，为何新规实施前没有对系统进行[压力测试|充分测试|扩容准备]。",
        "{job}{name}说，[她|他]的父母不会用智能手机，只能靠[纸质证明|打印的单子|手写记录]。",
        "市里表示已新增{n}台服务器，预计系统能够[承受访问压力|应对高峰|扛住流量]。",
        "{district}的学校本[学期|月]剩余课程改为线上进行，[老师|家长|一位校长]说。",
        "[环城路|主干道|高架桥]上车辆稀少，只有[配送车|快递车|物资车]和救护车在行驶。",
        "{district}居民被告知，{n_small}天内还将开展新一轮核酸检测。",
        "{place}附近一名[药师|医生|诊所工作人员]说，[取药|复诊|预约]被推迟了{n_small}天。",
        "[照片|视频|短片]显示，{weekday}的{district}[街道空无一人|商铺大门紧闭|夜里仍有人排队]。",
    ],
}

SLOTS = {
    "en": {
        "district": ["Yanta", "Beilin", "Lianhu", "Xincheng", "Weiyang", "Baqiao", "Chang'an", "Gaoling"],
        "name": [
            "A. Example",
            "B. Sample",
            "C. Placeholder",
            "D. Fictional",
            "E. Invented",
            "F. Specimen",
            "G. Demo",
            "H. Mock",
        ],
        "role": [
            "a district spokesperson",
            "a community official",
            "a city health official",
            "a testing-site supervisor",
        ],
        "job": ["teacher", "nurse", "driver", "shop owner", "student", "engineer", "cook", "accountant"],
        "place": [
            "the north gate",
            "a school playground",
            "the community square",
            "the metro station",
            "a sports centre",
            "the market car park",
        ],
        "shop": ["noodle shop", "phone repair stall", "bakery", "pharmacy", "fruit stand"],
        "weekday": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
        "color": ["orange", "red", "blue", "yellow"],
    },
    "zh": {
        "district": ["雁塔区", "碑林区", "莲湖区", "新城区", "未央区", "灞桥区", "长安区", "高陵区"],
        "name": ["张某", "李某", "王某", "赵某", "刘某", "陈某", "杨某", "周某"],
        "role": ["区政府发言人", "社区负责人", "市卫健委工作人员", "检测点负责人"],
        "job": ["教师", "护士", "司机", "店主", "大学生", "工程师", "厨师", "会计"],
        "place": ["小区北门", "学校操场", "社区广场", "地铁站口", "体育中心", "菜市场停车场"],
        "shop": ["面馆", "手机维修铺", "面包店", "药店", "水果摊"],
        "weekday": ["周一", "周二", "周三", "周四", "周五", "周六", "周日"],
        "color": ["橙色", "红色", "蓝色", "黄色"],
    },
}

REWORDINGS = {
    "en": [
        ("said", "told reporters"),
        ("residents", "locals"),
        ("officials", "authorities"),
        ("city", "municipality"),
        ("waited", "queued"),
        ("system", "platform"),
        ("stopped", "ceased"),
        ("asked", "urged"),
        ("within", "in"),
    ],
    "zh": [
        ("居民", "市民"),
        ("表示", "称"),
        ("说", "表示"),
        ("目前", "当前"),
        ("工作人员", "工作者"),
        ("要求", "规定"),
        ("反映", "表示"),
        ("通报", "公布"),
        ("排队", "排起队"),
    ],
}
DATELINES = {"en": "XI'AN, China ({outlet}) - ", "zh": "（{outlet}讯）"}
CLOSINGS = {
    "en": "This story was distributed by {wire} and edited by {outlet}.",
    "zh": "本文来源：{wire}，{outlet}编辑。",
}


@dataclass
class _Article:
    story: int
    language: str
    outlet: str
    published: pd.Timestamp
    title: str
    paragraphs: list[str]
    canonical: bool
    stated_language: str
    author: str
    article_id: str = ""
    url: str = ""
    extra: dict = field(default_factory=dict)


_ALTERNATIVES = re.compile(r"\[([^\[\]]+)\]")


def _fill(template: str, language: str, rng: random.Random) -> str:
    template = _ALTERNATIVES.sub(lambda m: rng.choice(m.group(1).split("|")), template)
    values = {key: rng.choice(options) for key, options in SLOTS[language].items()}
    values.update(
        n=rng.randint(20, 240),
        n_small=rng.randint(2, 5),
        cases=rng.randint(12, 180),
        route=rng.randint(5, 900),
    )
    return template.format(**values)


def _story(language: str, beat: str, rng: random.Random) -> tuple[str, list[str]]:
    lead = _fill(rng.choice(LEADS[language][beat]), language, rng)
    body = [_fill(t, language, rng) for t in rng.sample(BODY[language], rng.randint(6, 8))]
    title = _fill(rng.choice(HEADLINES[language][beat]), language, rng)
    return title, [lead, *body]


def _republish(
    original: _Article, outlet: str, wire: str, beat: str, rng: random.Random
) -> tuple[str, list[str]]:
    """A copy as another outlet runs it: new headline, paragraphs dropped or cut, phrases reworded."""
    language = original.language
    headlines = [h for h in HEADLINES[language][beat] if _fill(h, language, rng) != original.title]
    title = _fill(rng.choice(headlines), language, rng)
    paragraphs = list(original.paragraphs)
    keep = len(paragraphs) if rng.random() < 0.6 else max(4, round(len(paragraphs) * rng.uniform(0.7, 0.9)))
    paragraphs = paragraphs[:keep]
    for _ in range(rng.randint(0, 1)):
        if len(paragraphs) > 4:
            del paragraphs[rng.randrange(1, len(paragraphs))]
    for _ in range(rng.randint(1, 3)):
        index = rng.randrange(len(paragraphs))
        old, new = rng.choice(REWORDINGS[language])
        paragraphs[index] = paragraphs[index].replace(old, new, 1)
    paragraphs[0] = DATELINES[language].format(outlet=outlet) + paragraphs[0]
    if rng.random() < 0.5:
        paragraphs.append(CLOSINGS[language].format(wire=wire, outlet=outlet))
    return title, paragraphs


def build_articles(
    *, seed: int = DEFAULT_SEED, n_stories: int = DEFAULT_STORIES, english_share: float = 0.45
) -> list[_Article]:
    """The articles in memory, sorted by publication time."""
    rng = random.Random(seed)
    beats = list(BEATS)
    weights = [BEATS[b][1] for b in beats]
    articles: list[_Article] = []
    for story in range(n_stories):
        language = "en" if rng.random() < english_share else "zh"
        beat = rng.choices(beats, weights)[0]
        outlets = OUTLETS[language]
        wire = outlets[0][0]
        syndicated = rng.random() < 0.45
        outlet = wire if syndicated else rng.choice(outlets[1:])[0]
        delay_hours = rng.uniform(0.5, 10) if language == "zh" else rng.uniform(4, 30)
        published = pd.Timestamp(BEATS[beat][0], tz="Asia/Shanghai") + pd.Timedelta(
            minutes=round(delay_hours * 60) + rng.randint(0, 59)
        )
        title, paragraphs = _story(language, beat, rng)
        original = _Article(
            story,
            language,
            outlet,
            published,
            title,
            paragraphs,
            True,
            language,
            _fill("{name}", language, rng),
        )
        articles.append(original)
        if not syndicated:
            continue
        copies = min(len(outlets) - 1, max(1, round(rng.expovariate(1 / 4))))
        for copy_outlet, _ in rng.sample(outlets[1:], copies):
            title, paragraphs = _republish(original, copy_outlet, wire, beat, rng)
            when = published + pd.Timedelta(minutes=rng.randint(20, 36 * 60))
            articles.append(
                _Article(
                    story, language, copy_outlet, when, title, paragraphs, False, language, original.author
                )
            )
    articles.sort(key=lambda a: (a.published, a.story, a.outlet))
    for number, article in enumerate(articles, start=1):
        article.article_id = str(880_000_000 + number * 7)
        host = _host(article.outlet)
        article.url = (
            f"https://www.{host}.example/{article.published:%Y/%m/%d}/"
            f"story-{article.story:03d}-{number:04d}.html"
        )
        roll = rng.random()  # exports state a language; a few state it wrongly or not at all
        article.stated_language = "" if roll < 0.04 else ("en" if roll < 0.08 else article.language)
    return articles


def _host(outlet: str) -> str:
    return _HOSTS.get(outlet) or outlet.lower().replace(" ", "-")


def generate_articles(
    out_dir: str | os.PathLike,
    *,
    seed: int = DEFAULT_SEED,
    n_stories: int = DEFAULT_STORIES,
    english_share: float = 0.45,
) -> dict:
    """Write the Media Cloud export, the JSONL article dump and the ground truth under ``out_dir``.

    Returns a summary: files written (relative paths), article and story counts, and the ground-truth
    file to list under the corpus marker's ``non_data``.
    """
    out = Path(out_dir)
    articles = build_articles(seed=seed, n_stories=n_stories, english_share=english_share)
    export = pd.DataFrame(
        {
            "id": [a.article_id for a in articles],
            "indexed_date": [
                (a.published.tz_convert("UTC") + pd.Timedelta(minutes=17)).strftime(
                    "%Y-%m-%dT%H:%M:%S.000000"
                )
                for a in articles
            ],
            "publish_date": [a.published.tz_convert("UTC").strftime("%Y-%m-%d %H:%M:%S") for a in articles],
            "title": [a.title for a in articles],
            "url": [a.url for a in articles],
            "language": [a.stated_language for a in articles],
            "media_name": [a.outlet for a in articles],
            "media_url": [f"https://www.{_host(a.outlet)}.example/" for a in articles],
        }
    )
    write_csv(out / MEDIACLOUD_FILE, export)
    lines = [
        json.dumps(
            {
                "title": a.title,
                "author": a.author,
                "hostname": f"www.{_host(a.outlet)}.example",
                "sitename": a.outlet,
                "date": f"{a.published:%Y-%m-%d}",
                "url": a.url,
                "text": "\n".join(a.paragraphs),
                "comments": None,
                "license": None,
                "description": "Synthetic demo article written for textkit (not real news).",
            },
            ensure_ascii=False,
            sort_keys=True,
        )
        for a in articles
    ]
    write_text(out / JSONL_FILE, "".join(line + "\n" for line in lines))
    truth = pd.DataFrame(
        {
            "article_id": [a.article_id for a in articles],
            "url": [a.url for a in articles],
            "story_id": [a.story for a in articles],
            "canonical": [int(a.canonical) for a in articles],
            "language": [a.language for a in articles],
            "outlet": [a.outlet for a in articles],
            "published_at": [a.published.isoformat() for a in articles],
        }
    )
    write_csv(out / TRUTH_FILE, truth)
    return {
        "files": [MEDIACLOUD_FILE, JSONL_FILE, TRUTH_FILE],
        "non_data": [TRUTH_FILE],
        "articles": len(articles),
        "stories": int(truth["story_id"].nunique()),
        "syndicated_stories": int((truth.groupby("story_id").size() > 1).sum()),
        "languages": {k: int(v) for k, v in truth["language"].value_counts().sort_index().items()},
        "seed": seed,
    }

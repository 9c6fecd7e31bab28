"""Behaviour of each step on hand-written examples, including what must never change."""

import pytest

import zhclean
from zhclean.pipeline import Pipeline
from zhclean.regex_first import first_chars


def only(step: str, text: str, **options):
    pipeline = Pipeline(steps=[step], step_options={step: options} if options else None)
    return pipeline.clean(text)


# --- pinyin_gloss ---------------------------------------------------------------------

FARM = "区人(ren)大常委会(hui)主任程绣(xiu)明和中國(guó)的(de)代表在(zai)会上发言。"


def test_glosses_of_all_written_forms_go():
    text = "重(zhòng)要的(de)中國(zhong guo)会议(yi4)在(zai)北京举行，绿(lü)色和女(nv)性，旅(lu)行"
    out = only("pinyin_gloss", text)
    assert out.text == "重要的中國会议在北京举行，绿色和女性，旅行"
    assert out.edits["pinyin_gloss"] == 8


def test_fullwidth_parentheses_and_traditional_readings():
    out = only("pinyin_gloss", "這(zhè)個（gè）國(guó)家的(de)人民")
    assert out.text == "這個國家的人民"


@pytest.mark.parametrize(
    "text",
    [
        "北京(Beijing)、上海(Shanghai)和广州(Guangzhou)是代表团此行的三站。",
        "演员中也包括李连杰(blog)、杨紫琼等人。",
        "他在多伦多买下一栋独立屋(house)，价格约为120万加元。",
        "只有两处：的(de)和了(le)。",
        "重(zhòng)表示分量大，重(chóng)表示再一次，重(zhòng)和重(chóng)。",
        "密码(mima)不是读音，请输入(password)。",
    ],
)
def test_glosses_that_are_content_stay(text):
    assert only("pinyin_gloss", text).text == text


def test_polyphone_with_many_distinct_glosses_is_a_farm():
    text = "重(zhòng)要的(de)人(ren)在(zai)会(hui)上(shang)说(shuo)重(chóng)新开始"
    assert only("pinyin_gloss", text).text == "重要的人在会上说重新开始"


def test_gloss_in_extracted_source_counts_and_goes():
    result = zhclean.clean(FARM + "\n来源：上海杨浦(pu)")
    assert result.meta["source"] == "上海杨浦"
    assert result.edits["pinyin_gloss"] == 7  # six in the text, one in the source line


# --- punctuation ----------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("据报道,巴以双方(据新华社)达成协议!", "据报道，巴以双方（据新华社）达成协议！"),
        ("共3,000人, 时间9:30开始", "共3,000人，时间9:30开始"),
        ("网址:http://example.com", "网址：http://example.com"),
        ("(Bridgewater Associates) 等基金", "(Bridgewater Associates) 等基金"),
        ("真的吗?", "真的吗？"),
        ("『九五』計劃，“好”。", "『九五』計劃，“好”。"),
        # A URL's marks are its own, also where its path holds Han; the sentence's mark after it converts.
        ("详见https://baike.baidu.com/item/长城?fr=aladdin，了解更多。", "详见https://baike.baidu.com/item/长城?fr=aladdin，了解更多。"),
        ("链接:https://zh.wikipedia.org/wiki/Python_(编程语言)很有用", "链接：https://zh.wikipedia.org/wiki/Python_(编程语言)很有用"),
        ("请访问www.example.cn,谢谢。", "请访问www.example.cn，谢谢。"),
        # A call in code keeps its parentheses; a parenthesis after a Latin abbreviation converts.
        ('在Python里输入print("你好")即可。', '在Python里输入print("你好")即可。'),
        ("世界卫生组织WHO(世卫组织)发布报告。", "世界卫生组织WHO（世卫组织）发布报告。"),
        # An emoticon's colon is a face; a colon before a parenthetical or a label is a mark.
        ("今天好开心:)", "今天好开心:)"),
        ("太好了;-)我们走吧", "太好了;-)我们走吧"),
        ("时间:(上午)九点", "时间：（上午）九点"),
        ("注意:D区已满", "注意：D区已满"),
        # English in curly quotes keeps its marks; a mark before a quote after Chinese converts.
        ("他回答：“Yes,” she said.", "他回答：“Yes,” she said."),
        ("他说,“你好”", "他说，“你好”"),
    ],
)
def test_punctuation(text, expected):
    assert only("punctuation", text).text == expected


def test_punctuation_never_makes_ascii():
    text = "你好，世界！（注：全角）：；？"
    assert only("punctuation", text).text == text


# --- unicode, markup, whitespace --------------------------------------------------------

def test_unicode_removes_invisibles_and_widens_nothing():
    out = only("unicode", "两\x08国的\u200b合作，\ufeff关系\r\nＡＢＣ１２３，８５．２％")
    assert out.text == "两国的合作，关系\nABC123，85．2％"


def test_unicode_repairs_mojibake_line_only():
    broken = "中文测试".encode().decode("latin-1")
    out = only("unicode", f"正常的一行，\n{broken}")
    assert out.text == "正常的一行，\n中文测试"


@pytest.mark.parametrize("codec", ["cp1252", "latin-1"])
def test_unicode_repairs_short_lines_and_partial_mojibake(codec):
    """A whole line of UTF-8 read in a Western code page is decoded directly (ftfy left the
    short `æ–°é—»` alone); a line that is only partly mojibake still goes to ftfy."""
    once = "新闻".encode().decode(codec)
    mixed = "café " + "中文".encode().decode("cp1252")
    out = only("unicode", f"{once}\n{mixed}\n{once}")
    assert out.text == "新闻\ncafé 中文\n新闻"


@pytest.mark.parametrize("text", [
    "请读：“xué”“gè”“lè”“pó”。",  # an accented letter and two quotes: the bytes of 锓, 蔓
    "“Café”“Bar”和“Chloé”‘C’都是店名。",
])
def test_an_accented_letter_before_quotes_is_not_mojibake(text):
    assert only("unicode", text).text == text


def test_markup_removes_images_keeps_link_text_and_drops_emptied_lines():
    text = "![]()\n第一段[新华网](http://news.cn)报道&amp;评论\n![图片](https://a.cn/x.jpg)\n\n<p>第二段</p>\n[]"
    out = Pipeline(steps=["markup", "whitespace"]).clean(text)
    assert out.text == "第一段新华网报道&评论\n\n第二段"
    assert out.edits["markup"] == 7  # 2 images, 1 link, 1 entity, 2 tags, 1 bracket-only line


def test_only_html_elements_are_tags():
    """Angle brackets around words that are not HTML elements are text: real Taiwan news has
    `<BLOOMBERG 免責聲明>` as a heading."""
    text = "<BLOOMBERG 免責聲明>\n<p>第二段</p><BR><my-card id=1>卡片</my-card>\n1<2>0"
    assert only("markup", text).text == "<BLOOMBERG 免責聲明>\n\n第二段\n\n卡片\n1<2>0"


@pytest.mark.parametrize("text", [
    "<A Beautiful Mind>很好看。",  # a title whose first word names an element
    "《Head First Java》和<Head First Java>都是书名。",
    "当 x<a 或 x>b 时，不等式成立。",  # an inequality: Han text after the name
    "若0<p 且 q>1，则结论成立。",
])
def test_words_in_angle_brackets_after_an_element_name_are_text(text):
    assert only("markup", text).text == text


def test_a_tutorial_that_names_script_and_comment_tags_keeps_its_paragraphs():
    text = "写<!--表示注释开始。\n\n中间的内容很重要。\n\n最后写-->表示注释结束。"
    assert only("markup", text).text == text
    tutorial = "用<script>标签可以嵌入脚本。\n\n正文第二段很重要。\n\n最后用</script>闭合。"
    assert "正文第二段很重要。" in only("markup", tutorial).text  # the tags go, the prose between stays
    assert only("markup", "正文<script>var a = 1;\n\nvar b = 2;</script>结束").text == "正文结束"  # code


def test_an_emoticon_then_a_remark_is_not_an_image():
    assert only("markup", "太好了![哈哈](开玩笑的)").text == "太好了![哈哈](开玩笑的)"
    assert only("markup", "![图片](图片.jpg)正文\n![](x)正文").text == "正文\n正文"  # paths and placeholders go


@pytest.mark.parametrize(("text", "cleaned"), [
    ('<a href="http://x.cn">新华网</a>报道', "新华网报道"),
    ("<td width=\"50%\"nowrap>格</td>", "格"),
    ("<input type=checkbox checked>同意", "同意"),
    ("<img src=a.jpg alt=图片>图", "图"),
    ("<a href=http://x.cn/?a=1&b=2>链接</a>", "链接"),
    ("<font face=宋体 size=3>字</font>", "字"),
])
def test_tags_with_attributes_go(text, cleaned):
    assert only("markup", text).text == cleaned


def test_whitespace():
    text = "\n\u3000\u3000第一段。  \n\n\n\n第二段  有  空格。\u00a0\n\n"
    assert only("whitespace", text).text == "第一段。\n\n第二段 有 空格。"


# --- boilerplate ----------------------------------------------------------------------

def test_field_lines_and_notices():
    text = "\n".join([
        "正文第一段。",
        "(责任编辑：陈静)",
        "文章來源：中國新聞網",
        "原标题：《这是一个标题》",
        "记者：李四",
        "本文由百家号作者上传并发布，百家号仅提供信息发布平台。文章仅代表作者个人观点，不代表百度立场。",
        "點擊上方藍字關注我們",
        "分享、點讚、在看",
        "转发 12 收藏 3 评论 5",
        "声明：本文内容来源于网络，版权归原作者所有，如有侵权请联系删除。",
        "【免责声明】本文仅代表作者个人观点，与本网无关。",
        "本文转载自微信公众号“科技日报”，版权归原作者所有。",
        "声明：本文由入驻搜狐号的作者撰写，除搜狐官方账号外，观点仅代表作者本人，不代表搜狐立场。",
        "本文为澎湃号作者或机构在澎湃新闻上传并发布，仅代表该作者或机构观点，不代表澎湃新闻的观点或立场。",
        "举报/反馈",
        "喜欢就点个在看吧",
        "违反上述規定者，中時電子報有權刪除留言，或者直接封鎖帳號！請使用者在發言前，務必先閱讀留言板規則，謝謝配合。",
    ])
    out = only("boilerplate", text)
    assert out.text == "正文第一段。"
    assert out.meta["editor"] == "陈静"
    assert out.meta["source"] == "中國新聞網"
    assert out.meta["original_title"] == "《这是一个标题》"
    assert out.meta["author"] == "李四"


def test_staff_credit_lines_go_and_only_the_editor_is_reported():
    out = only("boilerplate", "正文。\n编辑：张三 审核：李四 校对：王五\n（摄影：徐烨）")
    assert out.text == "正文。"
    assert out.meta["editor"] == "张三" and "credit" not in out.meta


@pytest.mark.parametrize(
    "line",
    [
        "来源：据新华社报道，昨天下午发生了一起事故。",
        "他说，免责声明并不能免除平台的责任。",
        "记者在现场看到，编辑部的灯一直亮着。",
        "本平台仅提供信息存储服务这句话，出现在很多网易号文章的末尾，我们来分析它的法律含义和实际作用。",
        "分享 分享！！[亲亲][爱你]",  # a Weibo post, not a bar of share buttons
        "点赞在看，分享给朋友们吧，这篇文章很好",
        "声明：中方坚决反对任何形式的干涉，我们的立场是一贯的。",  # a statement in the news
        "他在声明中说，本文作者的观点不代表公司立场。",
        "喜欢就去做吧，不要犹豫。",
        "作者：我们在调研中发现，这个问题很普遍",  # a speaker's words in an interview
        "翻译：我们要做好准备",
        "记者：那么未来的计划呢",  # an interview's question, no question mark
        "记者：请谈谈您的感受",
        "記者：您怎麼看待這一現象",
        "编辑：好的，谢谢",
        "法院认为，原告对涉案作品享有版权所有权，被告未经许可使用该作品，构成侵权。",  # a ruling
        "微信扫一扫已成为许多老人的日常。",
        "为维护社区留言板秩序，居委会修订了使用规定。",
        "记者：资金缺口多大",  # an interview's question
        "编辑：两名",  # a job advert's headcount
        "記者：最滿意哪一首",
        "点击：设置",  # a tutorial's step: a counter holds a count
        "更新时间：每日凌晨两点",  # a schedule: a date holds a digit
        "文章指出，网络侵权案件数量逐年上升，专家建议受害人及时联系律师。",  # not a source notice
        "识别虚假二维码需要关注三个细节。",
        "打开App后选择“社保服务”一栏。",
        "新浪声明：公司已于今日完成私有化交易，股票将从纳斯达克退市。",  # Sina's statement as news
        "该报在每期报纸上都印有“版权所有，未经书面许可不得转载”字样。",  # a notice quoted
    ],
)
def test_sentences_about_boilerplate_stay(line):
    assert only("boilerplate", "正文。\n" + line).text == "正文。\n" + line


@pytest.mark.parametrize(("line", "field", "value"), [
    ("记者：王小明", "author", "王小明"),
    ("作者：张三 李四 王五", "author", "张三 李四 王五"),
    ("责任编辑：小王", "editor", "小王"),
    ("記者：陳大同／台北報導", "author", "陳大同／台北報導"),
])
def test_a_byline_of_names_still_goes(line, field, value):
    out = only("boilerplate", "正文。\n" + line)
    assert out.text == "正文。" and out.meta[field] == value


def test_user_rules_extend_the_builtin_ones(tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text('[[notice]]\nname = "my_site"\npatterns = ["本站广告位招租.{0,20}"]\n', encoding="utf-8")
    pipeline = Pipeline(steps=["boilerplate"], step_options={"boilerplate": {"rules": (str(rules),)}})
    assert pipeline.clean("正文。\n本站广告位招租，联系电话").text == "正文。"


def test_user_rules_that_may_start_anywhere_still_match(tmp_path):
    """A rule led by `.{0,10}` has no known first character; it is tried at every line."""
    rules = tmp_path / "rules.toml"
    rules.write_text('[[notice]]\nname = "any_start"\npatterns = [".{0,10}广告位招租.{0,20}"]\n', encoding="utf-8")
    pipeline = Pipeline(steps=["boilerplate"], step_options={"boilerplate": {"rules": (str(rules),)}})
    assert pipeline.clean("正文。\n欢迎本站广告位招租，联系电话\n正文。").text == "正文。\n正文。"


def test_glued_notices_go_and_their_paragraph_stays():
    body = "今年來台旅客持續增加，業者樂觀看待。"
    comment_rules = "違反上述規定者，中時電子報有權刪除留言，或者直接封鎖帳號！請使用者在發言前，務必先閱讀留言板規則，謝謝配合。"
    browser = "為達最佳瀏覽效果，建議使用 Chrome、Firefox 或 Microsoft Edge 的瀏覽器。"
    result = Pipeline(steps=["boilerplate"]).clean(f"標題\n{browser}〔記者王五／台北報導〕{body}{comment_rules}", explain=True)
    assert result.text == f"標題\n〔記者王五／台北報導〕{body}"
    assert [(r.rule, r.removed) for r in result.removals] == [
        ("browser_notice", browser), ("chinatimes_comment_rules", comment_rules)]
    assert result.edits["boilerplate"] == 2
    # at the start of any paragraph: the first one after the title of a longer article
    text = f"標題\n{browser}〔記者王五／台北報導〕{body}\n第二段。"
    assert only("boilerplate", text).text == f"標題\n〔記者王五／台北報導〕{body}\n第二段。"
    # set off by a space rather than a full stop: page furniture
    assert only("boilerplate", "大盘有望展开一波行情。（记者王浩） 我要评论").text == "大盘有望展开一波行情。（记者王浩）"



def test_glued_notices_are_found_once_the_lines_after_them_go():
    """The last paragraph is the last line only after the notice lines below it go; one
    cleaning must do what a second would."""
    body = "只要拉長投資期間，就不需煩惱進場時機。"
    glued = "本資料僅供參考，本公司已盡力提供正確之資訊，投資人應自行負責，本公司無須負擔任何責任。"
    text = f"{body}{glued}\n基金配息率不代表基金報酬率，且過去配息率不代表未來配息率。"
    once = only("boilerplate", text).text
    assert once == body
    assert only("boilerplate", once).text == once


@pytest.mark.parametrize(
    "text",
    [
        # a rule that is not marked glued: a statement in the news that ends a paragraph
        "公司昨日回应传闻。郑重声明：公司将依法追究造谣者的法律责任，并保留联系警方的权利。",
        # the notice's words inside a sentence, not a sentence of their own
        "他提醒，為達最佳瀏覽效果，建議使用新版瀏覽器，否則頁面會變形。",
        "我要评论这件事，因为它关系到每一个人。",
        # only the edges of a paragraph: a notice between two of its sentences stays
        "公司表示。為達最佳瀏覽效果，建議使用 Chrome 的瀏覽器。之後再說明。",
    ],
)
def test_glued_rules_take_only_whole_notices(text):
    assert only("boilerplate", text).text == text


@pytest.mark.parametrize(
    ("pattern", "first"),
    [
        ("(?i:ab)|来源[:：]|[本该]文", set("a本该来")),
        ("x?y", {"x", "y"}),
        ("^【?免责", {"【", "免"}),
        ("(?:来|去)+x", {"来", "去"}),
        ("(?=a)b", None),  # lookarounds: unknown
        (".b", None),
        ("[^a]", None),
        ("a*", None),  # may match the empty string
        (r"\d", None),
    ],
)
def test_first_characters_of_a_pattern(pattern, first):
    found = first_chars(pattern)
    assert (found if found is None else set(found)) == first


# --- repeated_line ----------------------------------------------------------------------

def test_heading_repeating_next_paragraph_goes_first_copy_of_identical_lines_stays():
    text = "这一管理条例对塔河水资源作出规定\n这一管理条例对塔河水资源作出规定。新疆把水土资源纳入法制轨道。\n重复的一行有八个汉字以上\n重复的一行有八个汉字以上\n短句\n短句"
    out = only("repeated_line", text)
    assert out.text == "这一管理条例对塔河水资源作出规定。新疆把水土资源纳入法制轨道。\n重复的一行有八个汉字以上\n短句\n短句"


# --- script -----------------------------------------------------------------------------

def test_machine_converted_traditional_goes_back_to_simplified():
    text = "會議強調，各級干部要著力推進工作，先后召開了三次會議，並且擴大采購範圍。" * 3
    result = zhclean.clean(text)
    assert result.meta["machine_converted"] is True
    assert result.meta["script_out"] == "simplified"
    assert "各级干部要着力推进工作，先后召开了三次会议" in result.text
    assert "著" not in result.text


def test_genuine_traditional_stays():
    text = "臺北市政府今天宣布，捷運新路線將於明年底通車，沿線居民往返市中心的時間可以縮短一半。"
    result = zhclean.clean(text)
    assert result.meta["script_in"] == "traditional"
    assert result.meta["machine_converted"] is False
    assert result.text == text


@pytest.mark.parametrize("text", [
    # a Taiwan borough (里 is its administrative unit) named three times
    "新北市石碇區永定里里長表示，永定里的溪流整治工程已經完工，居民對於工程品質相當滿意。"
    "區公所指出，這項工程結合當地生態與人文特色，也讓永定里成為假日熱門景點。",
    # a person's name, three times
    "藝人應采兒昨天出席活動，應采兒表示孩子最近適應得很好。她說，一家人搬到新環境後，"
    "生活步調變慢，應采兒也有更多時間陪伴家人。",
])
def test_one_word_repeated_is_a_writers_not_a_converters_leftover(text: str) -> None:
    """`里` and `采` are leftovers where a converter missed 裡 and 採, but a Taiwan writer
    writes them in boroughs and names. Converters leave many characters; one repeated word is
    a writer's: not converted, though the same places of two characters would be (tw_news:
    the rule took genuine conversions from 40 to 16 of 5,023, every converter unchanged)."""
    from zhclean.steps.script import ScriptOptions, detect, is_machine_converted

    profile = detect(text)
    assert profile.evidence >= 3 and profile.evidence_distinct == 1
    assert not is_machine_converted(profile, ScriptOptions())
    assert is_machine_converted(detect(text, lenient := ScriptOptions(min_distinct=1)), lenient)
    assert zhclean.clean(text).text == text


def test_an_opencc_only_form_repeated_is_still_evidence() -> None:
    """No Taiwan or Hong Kong writer writes `爲`: each place counts as distinct (zhconv's
    zh-hant output is detected by it alone in 137 of 300 bench articles)."""
    text = "會議強調，各級幹部要爲人民辦實事，爲基層解決困難，作風建設常抓不懈。"
    result = zhclean.clean(text)
    assert result.meta["machine_converted"] is True
    assert result.text.startswith("会议强调，各级干部要为人民办实事")


_MAINLAND_NEWS = ("近日，多地通信管理局发布提醒：不法分子冒充快递客服发送“退款”短信，诱导用户点击链接填写"
                  "银行卡信息。警方表示，市民收到此类短信应直接删除，并通过官方渠道核实。")


@pytest.mark.parametrize("config", ["s2tw", "s2hk"])
def test_mainland_news_through_a_taiwan_or_hong_kong_standard_converter_is_restored(config: str) -> None:
    """OpenCC's s2tw and s2hk leave no character evidence (their forms are Taiwan's and Hong
    Kong's), but keep the curly quotes and the Mainland words (`短信`, `信息`): converted back."""
    import opencc

    text = opencc.OpenCC(f"{config}.json").convert(_MAINLAND_NEWS)
    result = zhclean.clean(text)
    assert result.meta["machine_converted"] is True
    assert result.text == _MAINLAND_NEWS


def test_explain_names_the_evidence_that_converted_a_document() -> None:
    """`explain` says why a document was converted, not only how many characters changed."""
    import opencc

    def why(text: str, **options) -> str:
        removals = Pipeline(**options).clean(text, explain=True).removals
        return next(r.replacement for r in removals if r.step == "script")

    assert "Mainland language" in why(opencc.OpenCC("s2tw.json").convert(_MAINLAND_NEWS))
    assert "leftovers: 2 places of 2 characters" in why("會議強調，各級干部要推進工作，先后召開了三次會議，並且擴大采購範圍。")
    assert "--script simplified" in why("臺灣的資訊", step_options={"script": {"mode": "simplified"}})


def test_mainland_words_without_mainland_quotes_stay_traditional() -> None:
    """The same words quoted with corner brackets, as Taiwan and Hong Kong writers quote (and
    a Hong Kong writer may well write 短信), are no evidence; nor are curly quotes alone."""
    import opencc

    text = opencc.OpenCC("s2tw.json").convert(_MAINLAND_NEWS).replace("“", "「").replace("”", "」")
    assert zhclean.clean(text).meta["machine_converted"] is False
    taiwan = "台北市議會昨天三讀通過“自治條例”修正案，議員表示，新制上路後，市民申辦案件將更加便利。"
    result = zhclean.clean(taiwan)
    assert result.meta["machine_converted"] is False and result.text == taiwan


def test_the_mainland_words_are_commoner_in_mainland_news_and_spelt_every_way() -> None:
    from zhclean.script_evidence import _mainland_words

    form_to_word, weights, _ = _mainland_words()
    assert {"短信", "信息", "分辨率"} <= set(weights) and min(weights.values()) >= 1.0
    assert "資訊" not in form_to_word and "軟體" not in form_to_word
    assert all(form_to_word[word] == word for word in weights)


def test_character_converter_picks_are_evidence():
    """No leftover and no OpenCC-only form, but a character table's choices where every
    phrase-aware standard writes another (`籤署`, `幸存者`): converted."""
    text = "兩校日前籤署聯合辦學協議，向大屠殺的幸存者提供資助。"
    result = zhclean.clean(text)
    assert result.meta["machine_converted"] is True
    assert result.text == "两校日前签署联合办学协议，向大屠杀的幸存者提供资助。"


def test_a_writers_phrase_form_cancels_converter_picks():
    """The same text with one phrase form a character converter never writes (`簽署`) is a
    writer's: a single such place outweighs any number of converter-like choices."""
    text = "兩校日前簽署聯合辦學協議，向大屠殺的幸存者提供資助。"
    result = zhclean.clean(text)
    assert result.meta["machine_converted"] is False
    assert result.text == text


def test_common_writer_choices_are_weak_evidence():
    """Taiwan writers often write 宣布 and 周 where OpenCC writes 宣佈 and 週: calibrated
    as weak evidence, so a short article with them stays Traditional."""
    from zhclean.script_evidence import _packaged_pick_weights

    weights = _packaged_pick_weights()
    assert weights["布"] < 0.5 and weights["周"] < 0.5 and weights["签"] > 2
    text = "市府周一宣布，捷運新路線明年通車。"
    assert zhclean.clean(text).meta["machine_converted"] is False


def test_simplified_text_with_a_traditional_only_character_stays():
    """People's Daily writes the name 王丙乾; OpenCC's character table turns 乾 into 干. One
    such character among nine Simplified-only ones is Simplified text (it was `mixed` by a
    floating-point slip), and mostly Simplified text is never a converted document."""
    text = "王丙乾、曹志、周觉、张德广和伊拉克驻华大使库巴等参加了会见。"
    result = zhclean.clean(text)
    assert result.meta["script_in"] == "simplified"
    assert result.text == text
    post = "如果我觉得17个摺也可以吃，或者18个摺好吃，会不会也收到律师信啊"
    assert zhclean.clean(post).meta["machine_converted"] is False


def test_forced_modes():
    assert zhclean.clean("臺灣的資訊", script="simplified").text == "台湾的资讯"
    assert zhclean.clean("台湾的信息", script="traditional").text == "臺灣的信息"
    assert zhclean.clean("乾隆年間，著名的學者", script="simplified").text == "乾隆年间，著名的学者"


def test_unknown_step_and_option_are_errors():
    with pytest.raises(ValueError, match="unknown step"):
        Pipeline(steps=["nope"])
    with pytest.raises(ValueError, match="unknown option"):
        Pipeline(step_options={"script": {"nope": 1}})


def test_script_verdict_cache_cleared_while_a_document_uses_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """When the window-verdict cache is full, judging a document's new windows clears it of
    the windows the same document had already found there: the step must still count them
    (a long run on one worker raised KeyError, and the batch was cleaned one by one)."""
    from zhclean import script_evidence
    from zhclean.chars import codes_of
    from zhclean.script_evidence import Spots, conversion_evidence

    converted = "會議強調，各級干部要爲群衆辦實事，干部作風建設常抓不懈。"
    new = "群衆路線教育實踐活動中，干部下基層，並且幹實事。"
    monkeypatch.setattr(script_evidence, "_WINDOW_VERDICTS", {})
    text = converted + "\n" + new
    expected = conversion_evidence(text, Spots.of(codes_of(text)))
    monkeypatch.setattr(script_evidence, "_WINDOW_VERDICTS", {})
    conversion_evidence(converted, Spots.of(codes_of(converted)))  # its windows are now cached
    monkeypatch.setattr(script_evidence, "_WINDOW_VERDICTS_MAX", len(script_evidence._WINDOW_VERDICTS))  # full
    assert expected.places > 0
    assert conversion_evidence(text, Spots.of(codes_of(text))) == expected

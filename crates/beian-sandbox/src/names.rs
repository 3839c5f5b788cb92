//! Word pools for names, site names and page text. Every word here was chosen to stay
//! clear of the bundled word lists (`beian-lexicon`), so that a clean site is judged clean;
//! the generator's tests run the real judges over thousands of generated filings and pages
//! to keep it so.

/// Common surnames.
pub const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "罗", "高", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "萧", "田", "董", "潘", "袁", "蔡", "蒋", "余", "于", "杜", "叶", "程", "魏", "苏", "吕", "丁",
    "沈", "欧阳",
];

/// Given names.
pub const GIVEN_NAMES: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "杰", "娟", "涛", "明", "超", "霞",
    "晓明", "静怡", "子涵", "浩然", "雨桐", "欣怡", "俊杰", "思远", "佳琪", "梓轩", "一鸣", "晨阳",
    "若溪", "文博", "丽娟", "志强", "海燕", "秀英", "明辉", "玉兰", "建平", "晓燕", "宇航", "思琪",
    "博文", "诗涵", "天佑", "嘉懿", "沐阳", "书瑶", "立新", "春梅", "振宇",
];

/// Brand words of companies, with their pinyin for domains.
pub const BRANDS: &[(&str, &str)] = &[
    ("云帆", "yunfan"),
    ("青禾", "qinghe"),
    ("启明", "qiming"),
    ("星河", "xinghe"),
    ("远航", "yuanhang"),
    ("蓝鲸", "lanjing"),
    ("木棉", "mumian"),
    ("山海", "shanhai"),
    ("拾光", "shiguang"),
    ("知行", "zhixing"),
    ("晨曦", "chenxi"),
    ("千帆", "qianfan"),
    ("锦程", "jincheng"),
    ("鹿鸣", "luming"),
    ("松果", "songguo"),
    ("麦田", "maitian"),
    ("长风", "changfeng"),
    ("清源", "qingyuan"),
    ("微澜", "weilan"),
    ("凌云", "lingyun"),
    ("若水", "ruoshui"),
    ("恒达", "hengda"),
    ("鼎盛", "dingsheng"),
    ("墨竹", "mozhu"),
    ("海棠", "haitang"),
    ("梧桐", "wutong"),
    ("星火", "xinghuo"),
    ("岚山", "lanshan"),
    ("佳禾", "jiahe"),
    ("瑞丰", "ruifeng"),
    ("博远", "boyuan"),
    ("同舟", "tongzhou"),
];

/// A company's line of business: the word in its names, and sentences about it.
#[derive(Debug, Clone, Copy)]
pub struct Industry {
    /// In the company and site name (物流, 软件 …).
    pub word: &'static str,
    /// Pinyin for the domain.
    pub pinyin: &'static str,
    /// What the company does, for the page.
    pub sentences: &'static [&'static str],
}

/// Lines of business.
pub const INDUSTRIES: &[Industry] = &[
    Industry {
        word: "物流",
        pinyin: "wuliu",
        sentences: &[
            "我们在华东和华南设有十二个仓储中心，干线运输覆盖主要城市。",
            "冷链车辆全程温度记录，生鲜货物从产地到门店不超过四十八小时。",
            "仓库管理系统与客户的订单系统对接，库存数据每十分钟同步一次。",
            "大件家具和家电提供送货上门与安装，预约时段精确到两小时。",
        ],
    },
    Industry {
        word: "软件",
        pinyin: "ruanjian",
        sentences: &[
            "团队专注于企业内部管理软件的定制开发与长期维护。",
            "我们为制造企业开发的排产工具，让车间的计划编排从半天缩短到十分钟。",
            "所有项目采用持续集成，每次提交都经过自动化测试。",
            "交付之后提供三年的缺陷修复和版本升级。",
        ],
    },
    Industry {
        word: "家居",
        pinyin: "jiaju",
        sentences: &[
            "实木家具选用北美白橡木和黑胡桃木，板材含水率控制在百分之十以内。",
            "每一件沙发的框架都经过十万次坐压测试。",
            "门店展厅按客厅、卧室和书房布置，方便顾客比较搭配效果。",
            "窗帘和布艺可以按房间尺寸量裁，量尺上门不收取费用。",
        ],
    },
    Industry {
        word: "环保",
        pinyin: "huanbao",
        sentences: &[
            "公司承接工业园区的污水处理站运营，出水指标实时上传监管平台。",
            "我们的废气治理设备已在四十多家涂装车间稳定运行。",
            "环境监测实验室可以检测水质、土壤和噪声等一百多项指标。",
            "项目团队帮助企业梳理排污许可的申报材料。",
        ],
    },
    Industry {
        word: "建材",
        pinyin: "jiancai",
        sentences: &[
            "主营瓷砖、石材和卫浴五金，仓库常备三百多个型号。",
            "工程部为楼盘项目提供整批供货和现场铺贴指导。",
            "每一批瓷砖都附有出厂检测报告，吸水率和耐磨度一目了然。",
            "样品间开放参观，可以按设计图纸现场拼样。",
        ],
    },
    Industry {
        word: "印务",
        pinyin: "yinwu",
        sentences: &[
            "厂内有四台海德堡四色印刷机和全自动装订线。",
            "画册、包装盒和手提袋可以在七个工作日内完成打样到交货。",
            "印前部门负责校色和拼版，专色还原误差控制在标准范围内。",
            "纸张仓库常备铜版纸、特种纸和牛皮纸等六十多个品种。",
        ],
    },
    Industry {
        word: "机械",
        pinyin: "jixie",
        sentences: &[
            "公司生产的数控折弯机和剪板机销往二十多个省份。",
            "每台设备出厂前连续空载运行七十二小时。",
            "工程师可以到客户车间完成安装调试和操作示范。",
            "常用易损件备有库存，当天即可发出。",
        ],
    },
    Industry {
        word: "餐饮",
        pinyin: "canyin",
        sentences: &[
            "旗下六家门店主打江南家常菜，食材每天清晨由基地直送。",
            "中央厨房统一完成初加工，保证各门店口味一致。",
            "团体订餐可以提前三天预约，菜单按人数和口味搭配。",
            "后厨全部采用明厨亮灶，操作过程清楚可见。",
        ],
    },
    Industry {
        word: "照明",
        pinyin: "zhaoming",
        sentences: &[
            "我们设计和生产商业空间的照明灯具，产品包括筒灯、射灯和线条灯。",
            "光学实验室可以测试配光曲线、显色指数和色温一致性。",
            "为商场和酒店提供照明方案设计与灯具安装。",
            "所有灯具提供五年质保。",
        ],
    },
    Industry {
        word: "包装",
        pinyin: "baozhuang",
        sentences: &[
            "公司生产瓦楞纸箱、彩盒和缓冲内衬，日产能五万只。",
            "结构设计师根据产品尺寸设计内衬，减少运输破损。",
            "可降解包装材料已在多家食品企业使用。",
            "小批量订单起订量为五百只。",
        ],
    },
];

/// What a person writes about, with pinyin and sentences.
#[derive(Debug, Clone, Copy)]
pub struct Topic {
    /// In the site name (摄影, 烘焙 …).
    pub word: &'static str,
    /// Pinyin for the domain.
    pub pinyin: &'static str,
    /// Sentences of the diary.
    pub sentences: &'static [&'static str],
}

/// Personal topics.
pub const TOPICS: &[Topic] = &[
    Topic {
        word: "摄影",
        pinyin: "sheying",
        sentences: &[
            "周末去湿地公园拍了一组白鹭，逆光下羽毛的边缘特别好看。",
            "这次换了一支定焦镜头，光圈开到最大时背景虚化很柔和。",
            "清晨的雾气散得很快，七点之前是拍远山最好的时候。",
            "整理了去年秋天拍的银杏，挑出二十张做成了相册。",
        ],
    },
    Topic {
        word: "烘焙",
        pinyin: "hongbei",
        sentences: &[
            "今天试做了全麦吐司，第二次发酵多等了二十分钟，组织更松软。",
            "戚风蛋糕的关键是蛋白打发到弯钩状，烤箱温度不要太高。",
            "用家里的老面做了一锅馒头，邻居说比外面买的香。",
            "记录一下黄油饼干的配方，糖减到了原来的三分之二。",
        ],
    },
    Topic {
        word: "园艺",
        pinyin: "yuanyi",
        sentences: &[
            "阳台上的月季今年开了三茬，施肥的间隔改成了两周一次。",
            "多肉植物换了颗粒土之后，再也没有出现烂根。",
            "入冬前把三角梅搬进了屋里，放在朝南的窗边。",
            "试着用淘米水浇绿萝，叶子的颜色明显更亮了。",
        ],
    },
    Topic {
        word: "跑步",
        pinyin: "paobu",
        sentences: &[
            "今天完成了第一次半程马拉松，用时两小时零五分。",
            "配速稳定在每公里六分钟，心率一直在一百五十左右。",
            "换了一双缓震更好的跑鞋，膝盖的负担轻了不少。",
            "雨天就在家做核心训练，平板支撑坚持到了三分钟。",
        ],
    },
    Topic {
        word: "登山",
        pinyin: "dengshan",
        sentences: &[
            "五一假期和朋友走了一段古道，全程十八公里，爬升九百米。",
            "山顶的风很大，还好带了一件防风外套。",
            "下山时膝盖有些酸，下次一定要带登山杖。",
            "在半山腰的村子里吃了一碗手擀面，至今难忘。",
        ],
    },
    Topic {
        word: "书法",
        pinyin: "shufa",
        sentences: &[
            "最近在临写颜真卿的多宝塔碑，横画起笔还是太急。",
            "换了一刀半生熟的宣纸，墨色的层次出来了。",
            "每天早上写一页小楷，已经坚持了一百天。",
            "把这个月写得最满意的一幅裱了起来，挂在书房。",
        ],
    },
    Topic {
        word: "骑行",
        pinyin: "qixing",
        sentences: &[
            "沿着湖边骑了一圈，四十公里，平均时速二十二。",
            "给车换了新的外胎，过碎石路时稳了很多。",
            "第一次骑上了城郊的那座山，爬坡时心跳快到一百八。",
            "秋天的环湖路两边都是红叶，骑得很慢，一路停下来看。",
        ],
    },
    Topic {
        word: "观鸟",
        pinyin: "guanniao",
        sentences: &[
            "在河口的滩涂上数到了三百多只反嘴鹬。",
            "第一次在城市公园里看到了戴胜，头上的羽冠很醒目。",
            "记录本上今年的鸟种已经有一百零七种了。",
            "冬天的水库来了几十只小天鹅，远远地就能听到叫声。",
        ],
    },
    Topic {
        word: "读书",
        pinyin: "dushu",
        sentences: &[
            "这个月读完了三本散文集，最喜欢写故乡河流的那一篇。",
            "把读过的句子抄在本子上，已经写满了两本。",
            "重读了少年时喜欢的游记，发现当年漏掉了很多细节。",
            "睡前半小时不看手机，只读纸质书，睡眠好了很多。",
        ],
    },
    Topic {
        word: "手账",
        pinyin: "shouzhang",
        sentences: &[
            "新的一年换了方格本，每周一页，记录天气和心情。",
            "用旅行时收集的车票和门票做了一页拼贴。",
            "尝试了新的排版，把待办事项和习惯打卡放在同一页。",
            "整理了去年的十二本手账，翻起来像在重看一整年。",
        ],
    },
];

/// Suffixes of personal site names (笔记, 随笔 …), none on the banned lists.
pub const PERSONAL_SITE_SUFFIXES: &[&str] = &["笔记", "随笔", "日记", "札记", "小记"];

/// Neutral company slogans for titles.
pub const SLOGANS: &[&str] = &[
    "用心做好每一件事",
    "专业 可靠 高效",
    "品质源于专注",
    "与客户一起成长",
    "值得信赖的伙伴",
];

/// General sentences for company pages.
pub const COMPANY_COMMON: &[&str] = &[
    "公司成立以来始终坚持质量第一的原则，建立了完整的质量管理体系。",
    "我们的客户遍布制造、零售和物流等行业。",
    "欢迎来电或来访洽谈业务。",
    "员工定期参加安全生产和职业技能的学习。",
    "我们相信踏实做事、按时交付是最好的口碑。",
    "办公地址交通便利，附近有地铁站和公交枢纽。",
];

/// General sentences for personal pages.
pub const PERSONAL_COMMON: &[&str] = &[
    "这里是我记录生活的地方，写给自己，也写给偶然路过的朋友。",
    "更新不定期，有空就写一点。",
    "所有照片和文字都是自己拍的、自己写的。",
    "今年的目标是每个月至少写两篇。",
    "天气转凉了，记得多穿一件衣服。",
];

/// Titles of pages that do not carry the filed name.
pub const WRONG_TITLES: &[&str] = &[
    "欢迎访问",
    "网站建设中",
    "Welcome to nginx!",
    "Apache2 Default Page: It works",
    "首页",
];

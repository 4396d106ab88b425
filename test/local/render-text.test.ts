import { describe, expect, it } from 'vitest';
import { buildErrorCard, buildHelpCard, buildLookupCard } from '../../src/bot/card.js';
import type { Card, RoomDetails } from '../../src/bot/ports.js';
import { renderCardAsText } from '../../src/local/render-text.js';
import { CONFIGURED_LIMITS } from '../helpers/configured.js';

const ROOM: RoomDetails = {
  room_id: 'omm_4de32cf10a4358788ff4e09e37ebbf9b',
  name: 'Everest_301',
  capacity: 8,
  building_name: 'Tower A',
  floor_name: 'F3',
  description: 'Has a TV',
  is_disabled: true,
};

function lookupCard(): Card {
  return buildLookupCard({
    requested: ['test01', 'nope01', 'a<b'],
    found: new Map([
      ['test01', ROOM.room_id],
      ['a<b', 'omm_second'],
    ]),
    details: new Map([[ROOM.room_id, ROOM]]),
    refresh: { value: { action: 'refresh', ids: ['test01', 'nope01', 'a<b'] } },
  });
}

describe('renderCardAsText: our cards', () => {
  it('renders a lookup card in English with IDs, details, not-found IDs and the button', () => {
    const text = renderCardAsText(lookupCard(), 'en_us');
    expect(text.split('\n')[0]).toBe('== Meeting room IDs ==');
    expect(text).toContain('`test01` → `omm_4de32cf10a4358788ff4e09e37ebbf9b`');
    expect(text).toContain('Everest_301 · Capacity 8 · Building Tower A · Floor F3 · 🚫 **Disabled**');
    expect(text).toContain('Description: Has a TV');
    expect(text).toContain('a<b → `omm_second`');
    expect(text).toContain('**Not found (1)**\n`nope01`');
    expect(text).toContain('[Refresh]');
    expect(text).not.toMatch(/[\u4e00-\u9fff]{4}/); // no Chinese sentences leak into the English rendering
  });

  it('renders the same card in Chinese', () => {
    const text = renderCardAsText(lookupCard(), 'zh_cn');
    expect(text.split('\n')[0]).toBe('== 会议室 ID 查询结果 ==');
    expect(text).toContain('`test01` → `omm_4de32cf10a4358788ff4e09e37ebbf9b`');
    expect(text).toContain('Everest_301 · 容纳 8 人 · 建筑 Tower A · 楼层 F3 · 🚫 **已停用**');
    expect(text).toContain('说明：Has a TV');
    expect(text).toContain('**未找到（1）**\n`nope01`');
    expect(text).toContain('[刷新]');
    expect(text).not.toContain('Refresh');
  });

  it('renders help and error cards', () => {
    expect(renderCardAsText(buildHelpCard({ limits: CONFIGURED_LIMITS }), 'en_us')).toContain('/room test01 test02');
    expect(renderCardAsText(buildHelpCard({ limits: CONFIGURED_LIMITS }), 'zh_cn')).toContain('用法');
    expect(renderCardAsText(buildErrorCard({ problem: 'rate_limited' }), 'zh_cn')).toBe(
      '== 请求太频繁 ==\n\n飞书暂时限制了查询频率。请稍等片刻后再试。',
    );
  });

  it('shows a divider as a rule', () => {
    expect(renderCardAsText(lookupCard(), 'en_us')).toMatch(/\n─+\n\[Refresh\]$/);
  });
});

describe('renderCardAsText: other card shapes', () => {
  it('reads JSON 1.0 cards: div, fields, action buttons, note, header i18n', () => {
    const card: Card = {
      header: { title: { tag: 'plain_text', content: 'Title', i18n: { zh_cn: '标题', en_us: 'Title EN' } } },
      elements: [
        {
          tag: 'div',
          text: { tag: 'lark_md', content: '**x**' },
          fields: [{ is_short: true, text: { tag: 'lark_md', content: 'f1' } }],
        },
        {
          tag: 'action',
          actions: [
            { tag: 'button', text: { tag: 'plain_text', content: 'Go' } },
            { tag: 'button', text: { tag: 'plain_text', content: 'Stop' } },
          ],
        },
        {
          tag: 'note',
          elements: [
            { tag: 'plain_text', content: 'n1' },
            { tag: 'lark_md', content: 'n2' },
          ],
        },
        { tag: 'img', img_key: 'img_x', alt: { tag: 'plain_text', content: 'a picture' } },
      ],
    };
    expect(renderCardAsText(card, 'zh_cn')).toBe('== 标题 ==\n\n**x**\nf1\n[Go] [Stop]\nn1 n2\n[a picture]');
  });

  it('picks the locale from i18n_elements and falls back to content', () => {
    const card: Card = {
      i18n_elements: {
        en_us: [{ tag: 'markdown', content: 'english' }],
        zh_cn: [{ tag: 'markdown', content: '中文' }],
      },
    };
    expect(renderCardAsText(card, 'zh_cn')).toBe('中文');
    expect(
      renderCardAsText(
        { body: { elements: [{ tag: 'markdown', content: 'only', i18n_content: { en_us: '' } }] } },
        'en_us',
      ),
    ).toBe('only');
  });

  it('walks column sets and containers, and shows text of unknown tags', () => {
    const card: Card = {
      body: {
        elements: [
          {
            tag: 'column_set',
            columns: [
              { tag: 'column', elements: [{ tag: 'markdown', content: 'left' }] },
              { tag: 'column', elements: [{ tag: 'markdown', content: 'right' }] },
            ],
          },
          { tag: 'collapsible_panel', elements: [{ tag: 'markdown', content: 'inside' }] },
          { tag: 'future_widget', text: { tag: 'plain_text', content: 'future text' } },
          { tag: 'chart', chart_spec: {} },
        ],
      },
    };
    expect(renderCardAsText(card, 'en_us')).toBe('left\nright\ninside\nfuture text');
  });

  it('decodes character references', () => {
    const card: Card = {
      body: { elements: [{ tag: 'markdown', content: '&#60;a&#62; &lt;b&gt; &#x26; &amp;amp; &unknown; &#0;' }] },
    };
    expect(renderCardAsText(card, 'en_us')).toBe('<a> <b> & &amp; &unknown; &#0;');
  });

  it('never throws on malformed cards', () => {
    const deep: Record<string, unknown> = { tag: 'form', elements: [] };
    let node = deep;
    for (let i = 0; i < 100; i += 1) {
      const child: Record<string, unknown> = { tag: 'form', elements: [] };
      (node.elements as unknown[]).push(child);
      node = child;
    }
    node.elements = [{ tag: 'markdown', content: 'bottom' }];
    const malformed: unknown[] = [
      {},
      { header: 5, body: 'x' },
      {
        header: { title: null },
        body: {
          elements: [null, 5, 'x', [], { tag: 5 }, { tag: 'div' }, { tag: 'button' }, { tag: 'action', actions: 'x' }],
        },
      },
      { elements: { not: 'an array' } },
      { i18n_elements: { fr_fr: [{ tag: 'markdown', content: 'fr' }] } },
      { body: { elements: [deep] } },
    ];
    for (const card of malformed) expect(() => renderCardAsText(card as Card, 'en_us')).not.toThrow();
    expect(renderCardAsText({ i18n_elements: { fr_fr: [{ tag: 'markdown', content: 'fr' }] } }, 'en_us')).toBe('fr');
    expect(renderCardAsText({ body: { elements: [deep] } }, 'en_us')).not.toContain('bottom'); // depth-capped
  });
});

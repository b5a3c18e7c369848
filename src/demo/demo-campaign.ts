import { addAgreedPartner } from '../coalitions/coalitions.service.ts';
import type { Context } from '../context.ts';
import { ensureOrganisation } from '../organisations/organisations.service.ts';
import { seedTranslation } from '../petitions/petition-texts.service.ts';
import { countAllPetitions, createPetition } from '../petitions/petitions.service.ts';
import { readMeta, writeMeta } from '../storage/meta.store.ts';

const DEMO_FLAG = 'demo_campaign_created';
export const DEMO_SLUG = 'drop-panoptica';

/**
 * On the very first start of an empty instance, a demo campaign shows what Chorus does: a petition
 * co-hosted by three organisations, in English, French and Arabic. It is made once: deleting or
 * closing it never brings it back. The companies and organisations are fictional.
 */
export async function ensureDemoCampaign(ctx: Context): Promise<boolean> {
  if (await readMeta(ctx.db, DEMO_FLAG)) return false;
  const existing = await countAllPetitions(ctx);
  await writeMeta(ctx.db, DEMO_FLAG, new Date(ctx.clock.now()).toISOString());
  if (existing > 0) return false;
  const lead = await ensureOrganisation(ctx, 'people-not-profiles', 'People Not Profiles');
  const petition = await createPetition(ctx, {
    slug: DEMO_SLUG,
    organisationSlug: lead.slug,
    title: 'Northwind Cloud: drop Panoptica',
    target: 'Northwind Cloud, Inc.',
    goal: 75_000,
    locale: 'en',
    demand:
      'Sell Northwind Cloud’s stake in Panoptica, and end every contract that puts its face-recognition software on our streets, campuses and borders.',
    body: [
      'Northwind Cloud’s venture fund owns a large share of **Panoptica**, a company that sells face-recognition cameras to police forces, border agencies and private landlords. Its systems identify people in crowds without their knowledge: at protests, at checkpoints, outside places of worship.',
      'Independent audits keep finding that this kind of software misidentifies women and people with darker skin far more often than others. A wrong match can mean a stop, a search or an arrest.',
      'Northwind Cloud says it is committed to responsible technology. Investing in mass surveillance breaks that promise. Three organisations are asking it, together, to divest before the end of its fiscal year and to publish what it has done.',
      'Add your name. Your signature is confirmed by email, counted once, and delivered to Northwind Cloud’s board. Your name is never published.',
    ].join('\n\n'),
  });
  await seedTranslation(ctx, petition, {
    locale: 'fr',
    title: 'Northwind Cloud : lâchez Panoptica',
    target: 'Northwind Cloud, Inc.',
    demand:
      'Vendez la participation de Northwind Cloud dans Panoptica et mettez fin à tout contrat qui installe ses logiciels de reconnaissance faciale dans nos rues, nos campus et à nos frontières.',
    body: [
      'Le fonds d’investissement de Northwind Cloud détient une grande part de **Panoptica**, une entreprise qui vend des caméras de reconnaissance faciale à des polices, des agences de contrôle aux frontières et des bailleurs privés. Ses systèmes identifient les personnes dans la foule à leur insu : dans les manifestations, aux points de contrôle, devant les lieux de culte.',
      'Les audits indépendants montrent sans cesse que ce type de logiciel se trompe bien plus souvent sur les femmes et les personnes à la peau foncée. Une fausse correspondance peut mener à un contrôle, une fouille ou une arrestation.',
      'Northwind Cloud affirme s’engager pour une technologie responsable. Investir dans la surveillance de masse trahit cette promesse. Trois organisations lui demandent, ensemble, de désinvestir avant la fin de son exercice et de rendre compte de ce qu’elle a fait.',
      'Ajoutez votre nom. Votre signature est confirmée par e-mail, comptée une seule fois et remise au conseil d’administration de Northwind Cloud. Votre nom n’est jamais publié.',
    ].join('\n\n'),
  });
  await seedTranslation(ctx, petition, {
    locale: 'ar',
    title: 'نورثويند كلاود: تخلَّوا عن بانوبتيكا',
    target: 'Northwind Cloud, Inc.',
    demand: 'بيعوا حصة نورثويند كلاود في بانوبتيكا، وأنهوا كل عقد يضع برمجياتها للتعرّف على الوجوه في شوارعنا وجامعاتنا وعلى حدودنا.',
    body: [
      'يملك صندوق الاستثمار التابع لنورثويند كلاود حصة كبيرة في **بانوبتيكا**، وهي شركة تبيع كاميرات التعرّف على الوجوه لأجهزة الشرطة ووكالات الحدود والمُلّاك العقاريين. تتعرّف أنظمتها على الناس وسط الحشود دون علمهم: في المظاهرات وعند الحواجز وأمام دور العبادة.',
      'تجد عمليات التدقيق المستقلة مرة بعد مرة أن هذا النوع من البرمجيات يخطئ في التعرّف على النساء وأصحاب البشرة الداكنة أكثر بكثير من غيرهم. وقد يعني تطابقٌ خاطئ توقيفًا أو تفتيشًا أو اعتقالًا.',
      'تقول نورثويند كلاود إنها ملتزمة بتكنولوجيا مسؤولة. والاستثمار في المراقبة الجماعية نقضٌ لهذا الوعد. ثلاث منظمات تطلب منها، معًا، سحب استثمارها قبل نهاية سنتها المالية ونشر ما فعلته.',
      'أضف اسمك. يُؤكَّد توقيعك بالبريد الإلكتروني ويُحتسب مرة واحدة ويُسلَّم إلى مجلس إدارة نورثويند كلاود. لا يُنشر اسمك أبدًا.',
    ].join('\n\n'),
  });
  for (const [slug, name] of [
    ['tech-workers-for-rights', 'Tech Workers for Rights'],
    ['shareholders-for-accountability', 'Shareholders for Accountability'],
  ] as const) {
    const partner = await ensureOrganisation(ctx, slug, name);
    await addAgreedPartner(ctx, petition.id, partner.id);
  }
  return true;
}

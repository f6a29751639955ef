/** @module locales/ja — 日本語（です・ます調）。 */
import type { Messages } from "./types.ts";

export const ja: Messages = {
  tag: "ja",
  defaultFormatLocale: "ja-JP",
  languageName: "Japanese",

  greeting: (name) => (name ? `${name}様` : "お客様"),
  signOff: "今後ともよろしくお願いいたします。",
  team: (brand) => `${brand} チーム`,
  buttonFallback: "ボタンが機能しない場合は、次のリンクをブラウザにコピーしてください：",
  forPlan: (plan) => (plan ? `${plan}プラン` : "ご契約中のプラン"),
  forPurchase: (d) => (d ? `「${d}」` : "ご購入"),

  details: {
    title: "お支払いの詳細",
    amount: "金額",
    item: "内容",
    card: "カード",
    dueDate: "お支払い期限",
    cardValue: (brand, last4) => `${brand}（末尾 ${last4}）`,
  },

  footer: {
    renewal: (brand) => `このメールは、${brand} をご契約中のお客様にお送りしています。`,
    oneOff: (brand) => `このメールは、${brand} へのお支払いについてお送りしています。`,
    offer: (brand) => `このご案内は、${brand} のお客様にお送りしています。`,
    support: (email) => `ご不明な点は ${email} までお問い合わせください。`,
    unsubscribe: "ご案内の配信を停止する",
  },

  annualGrace: (brand) => `年間プランのお客様は、お支払いが完了するまでの猶予期間中も ${brand} をすべてご利用いただけます。`,
  viewInvoice: "請求書を見る",
  alreadyUpdated: "すでにお支払い情報を更新済みの場合は、ありがとうございます。このメールは破棄してください。",
  alreadyConfirmed: "すでにお支払いを承認済みの場合は、ありがとうございます。このメールは破棄してください。",
  alreadyPaid: "すでにお支払いを完了済みの場合は、ありがとうございます。このメールは破棄してください。",
  replyHelp: "ご不明な点があれば、このメールにそのままご返信ください。担当者が対応いたします。",
  accessUntil: (date) => `${date}までは、これまでどおりご利用いただけます。その後は、お支払いが完了するまでご利用を一時停止いたします。`,

  cardUpdate: {
    subject: (amount, brand) => `${brand} への ${amount} のお支払いが完了しませんでした`,
    preview: (amount, brand) => `${brand} への ${amount} のお支払いが完了しませんでした。お支払い情報の更新は1分ほどで終わります。`,
    intro: (amount, forWhat, brand) => `${brand} の${forWhat}の ${amount} をご請求しましたが、お支払いが完了しませんでした。`,
    askNeedsCustomer: "下の安全なリンクからお支払い情報を更新してください。1分ほどで終わり、その後の手続きはこちらで行います。",
    askSoft: "下の安全なページから、ご都合のよいときに同じカードで、または別のカードでお支払いいただけます。1分ほどで終わります。",
    askTrial: "ご都合のよいときに、下の安全なリンクからお支払い情報を更新いただけます。1分ほどで終わります。",
    retryScheduled: (date) => `${date}にもう一度お支払いを試みますので、それまでに情報を更新いただければ完了です。`,
    button: "お支払い情報を更新する",
  },

  softReminder: {
    subject: (amount, brand) => `${brand} への ${amount} のお支払いが完了しませんでした`,
    subjectRetry: (amount, brand, date) => `${brand} への ${amount} のお支払いが完了しませんでした（${date}に再度お試しします）`,
    preview: (amount, brand) => `${brand} への ${amount} のお支払いが完了しませんでした。お手続きは1分ほどで終わります。`,
    previewRetry: (amount, brand, date) => `${brand} への ${amount} のお支払いが完了しませんでした。${date}に再度お試しします。`,
    intro: (amount, forWhat, brand) => `${brand} の${forWhat}の ${amount} のお支払いが、今回は完了しませんでした。よくあることで、たいていは簡単に解決できます。`,
    retryNoAction: (date) => `${date}に自動でもう一度お支払いを試みますので、今のところお手続きは不要です。`,
    retryBank: (date) => `${date}に自動でもう一度お支払いを試みます。銀行がお支払いを承認しなかったため、それまでに銀行へご確認いただくか、別のカードをご利用いただくと確実です。`,
    noRetry: "自動での再請求は行いませんので、下の安全なページから、同じカードまたは別のカードでお支払いを完了してください。",
    completeNow: "下の安全なページから、同じカードまたは別のカードでお支払いを完了いただけます。",
    noRetryOtherCard: "このカードへの再請求を行わないよう銀行から依頼がありましたので、下の安全なページから別のカードでお支払いを完了してください。",
    payNowOptional: "今すぐ、または別のカードでお支払いになりたい場合は、下の安全なページからお手続きいただけます。",
    button: "お支払いを完了する",
  },

  authRequired: {
    subject: (amount, brand) => `【ご対応のお願い】${brand} への ${amount} のお支払いを銀行で承認してください`,
    subjectTrial: (amount, brand) => `${brand} への ${amount} のお支払いを銀行で承認してください`,
    preview: (amount, brand) => `${brand} への ${amount} のお支払いについて、銀行が承認を求めています。すぐに終わります。`,
    intro: (amount, forWhat, brand) =>
      `${brand} の${forWhat}の ${amount} のお支払いについて、銀行が承認を求めています。多くの銀行がオンライン決済で行う通常の本人確認で、お支払い情報に問題はありません。`,
    how: "下の安全なお支払いページを開き、銀行の案内に従って承認してください。通常は、SMSで届くコードの入力か、銀行アプリでの簡単な承認です。",
    button: "お支払いを承認する",
  },

  finalWarning: {
    subjectTrial: (amount, brand) => `${brand} への ${amount} のお支払いについてご確認ください`,
    subjectDate: (amount, brand, date) => `最終のお知らせ：${brand} への ${amount} のお支払い期限は${date}です`,
    subject: (amount, brand) => `最終のお知らせ：${brand} への ${amount} のお支払いが未完了です`,
    previewTrial: (amount, brand) => `${brand} への ${amount} のお支払いがまだ完了していません。情報の更新は1分ほどで終わります。`,
    preview: (amount, brand) => `${brand} への ${amount} のお支払いが未完了です。ご利用を続けるにはお支払い情報を更新してください。`,
    introTrial: (amount, forWhat, brand) => `${brand} の${forWhat}の ${amount} のお支払いが、まだ完了していません。`,
    intro: (amount, forWhat, brand) => `${brand} の${forWhat}の ${amount} のお支払いが、まだ確認できておりません。これが最後のお知らせです。`,
    trial: (brand) => `準備ができましたら、下からお支払い情報を更新して ${brand} を引き続きご利用ください。1分ほどで終わります。`,
    annualDate: (brand, date) => `年間プランのお客様として、猶予期間中も ${brand} をすべてご利用いただいてきました。猶予期間は${date}に終了し、それまでにお支払いが完了しない場合はプランが解約されます。`,
    annual: (brand) => `年間プランのお客様として、猶予期間中も ${brand} をすべてご利用いただいてきました。猶予期間はまもなく終了し、それまでにお支払いが完了しない場合はプランが解約されます。`,
    monthlyDate: (brand, date) => `${date}までにお支払いが完了しない場合、プランは解約され、${brand} をご利用いただけなくなります。`,
    monthly: (brand) => `まもなくお支払いが完了しない場合、プランは解約され、${brand} をご利用いただけなくなります。`,
    oneOff: "下の安全なリンクから、同じカードまたは別のカードでお支払いを完了してください。",
    button: "お支払い情報を更新する",
  },

  winback: {
    subjectApplied: (pct, brand, code) => `次回の ${brand} のご請求が${pct}オフ（コード ${code}）`,
    subjectReturn: (pct, brand, code) => `${brand} へのおかえりなさい特典：${pct}オフ（コード ${code}）`,
    previewApplied: (pct, brand, code, expiry) => `次回の ${brand} のご請求に${pct}オフを適用しました。コード ${code}、${expiry}まで有効です。`,
    previewReturn: (pct, brand, code, expiry) => `${pct}オフで ${brand} に戻りませんか。コード ${code}、${expiry}まで有効です。`,
    introApplied: (amount, forWhat, brand) => `${brand} の${forWhat}の ${amount} のお支払いが完了しませんでしたので、少しでもお役に立てればと思いご連絡しました。`,
    introReturn: (amount, brand) => `${amount} のお支払いが完了しなかったため、${brand} のご契約は終了しました。またのご利用を心よりお待ちしています。`,
    applied: (pct, code) => `次回のご請求に${pct}オフを適用しましたので、お手続きは不要です。参考までに、コードは ${code} です。`,
    useAt: (code, pct) => `下のページでコード ${code} をご利用いただくと、再開時に${pct}オフになります。`,
    useWhen: (code, pct) => `再度ご契約の際にコード ${code} をご利用いただくと、${pct}オフになります。`,
    validUntil: (pct, expiry) => `${pct}オフ・${expiry}まで有効`,
    button: (brand) => `${brand} を再開する`,
  },

  trialEnding: {
    subjectEngaged: (brand, date) => `${brand} のトライアルは${date}に有料プランへ移行します`,
    subjectLapsed: (brand, date) => `${brand} のトライアルは${date}に終了します`,
    previewEngaged: (brand, date) => `お手続きは不要です：${brand} のプランは${date}から継続されます。`,
    previewLapsed: (brand, date) => `${date}以降も ${brand} をご利用いただくには、お支払い方法を追加してください。`,
    engaged: (brand, date, amount) => `${brand} のトライアルは${date}に終了します。お支払い方法はすでにご登録済みですので、プランはそのまま継続され、その日に初回の ${amount} をご請求します。`,
    lapsed: (brand, date, amount) => `${brand} のトライアルは${date}に終了します。引き続きご利用になる場合（${amount}）は、お支払い方法を追加していただければ、すべてそのままお使いいただけます。`,
    changeCard: "別のカードをご利用になる場合は、こちらから変更いただけます。",
    buttonEngaged: "お支払い方法を管理する",
    buttonLapsed: "お支払い方法を追加する",
  },

  empathy: {
    opening: {
      trial: "これまでのご利用を楽しんでいただけていれば幸いです。ぜひ引き続きお試しください。",
      new: "ご利用を始めて間もないお客様ですので、できるだけ簡単に解決できるようご連絡いたしました。",
      loyal: "長くご利用いただき、心より感謝しております。そのため、早めにお知らせしたいと思いました。",
      winback: "再びご利用いただけたことをとても嬉しく思っています。小さなお支払いの問題で妨げになることのないようご連絡しました。",
      none: "突然のことで驚かれないよう、あらかじめお知らせいたします。",
    },
    hint: {
      card_expired: "ご登録のカードの有効期限が切れているようです。どなたにも起こることです。新しい有効期限や別のカードの登録は、たいてい1分もかかりません。",
      insufficient_funds: "残高の反映が間に合っていない、あるいは利用限度額に達しているなど、タイミングだけの理由でお支払いが承認されないことがあります。よくあることで、たいていはすぐに解決します。",
      authentication_required: "銀行がこのお支払いの承認を求めているだけで、多くのオンライン決済で行われる通常の本人確認です。カードに問題はなく、承認はすぐに終わります。",
      do_not_honor: "銀行が具体的な理由を示さずにお支払いを承認しませんでした。意外とよくあることです。銀行へのお問い合わせか、別のカードのご利用でたいていは解決します。",
      invalid_card_details: "カード番号、有効期限、セキュリティコードなど、カード情報の一部が銀行の登録内容と一致しなかったようです。ご確認いただければ、たいていは解決します。",
      card_unusable: "銀行がこのカードでのお支払いを承認しませんでした。銀行は理由を教えてくれないこともあります。別のカードのご利用か、銀行へのご確認がいちばん簡単な方法です。",
      merchant_account_issue: "お支払いが完了しなかったのは当社側の問題によるもので、お客様のカードの問題ではありません。現在対応中ですので、今のところお手続きは不要です。",
      fraud_suspected: "銀行がお支払いを承認しませんでした。銀行は理由を教えてくれないこともあります。銀行へのご確認か、別のお支払い方法の選択が、いちばん早い解決方法です。",
      processing_error: "お支払い処理の一時的な不具合のようで、お客様の操作によるものではありません。通常は自然に解消され、お支払い情報もおそらく問題ありません。",
      unknown: "何が原因だったのかはっきりせず、銀行からも詳細は届いていません。多くの場合、お支払い情報をご確認いただくだけで簡単に解決できる小さなことです。",
    },
    trialEnding:
      "これまでのご利用を楽しんでいただけていれば幸いです。ぜひ引き続きお試しください。どのプランを選ばれても、設定いただいた内容はそのまま残ります。最適なプラン選びもお気軽にご相談ください。",
  },

  unsubscribe: {
    title: "ご案内の配信停止",
    confirm: (brand) => `${brand} からの割引のご案内を停止しますか？お支払いやアカウントに関するメールは引き続きお届けします。`,
    button: "配信を停止する",
    doneTitle: "配信を停止しました",
    done: (brand) => `${brand} からのご案内は今後お送りしません。お支払いやアカウントに関するメールは引き続きお届けします。`,
    invalid: "このリンクは無効です。最新のメールに記載のリンクをご利用ください。",
  },
};
